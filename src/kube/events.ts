// Kubernetes Events (core/v1, which `kubectl describe` and `kubectl events` show) about the objects
// kscale acts on, written the way client-go's recorder does: repeats are folded into one Event whose
// count grows, floods per object are dropped, and nothing here ever throws into or slows down a
// reconcile. Writes are fire-and-forget; flush() waits for them (tests, shutdown).
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeApiError } from './errors.ts';
import { KubeHttp, pathOf, type KubeHttpOptions } from './http.ts';

export interface InvolvedObject { apiVersion: string; kind: string; namespace: string; name: string; uid?: string; resourceVersion?: string }

export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  /** source.component and reportingComponent, e.g. 'kscale'. */
  component: string;
  /** reportingInstance: the pod or host name. */
  instance: string;
  logger: Logger;
  /** Called for each Event dropped by the rate limit or the pending-writes cap (kscale_events_dropped_total). */
  onDropped?: () => void;
  now?: () => Date;
  /** Per request: verb, HTTP code or error reason, seconds (for kscale_api_requests_total). */
  onRequest?: KubeHttpOptions['onRequest'];
}

export type EventType = 'Normal' | 'Warning';

/** Repeats within this window update one Event (client-go's aggregation window, 10 min). */
export const AGGREGATION_WINDOW_MS = 10 * 60_000;
export const MAX_MESSAGE_BYTES = 1024;
/**
 * Per-object token bucket, as client-go's spam filter: a burst of 25 Events, then one more per
 * 5 minutes. Repeats count too, so a hot loop on one object cannot hammer the API.
 */
export const RATE_BURST = 25;
export const RATE_REFILL_MS = 5 * 60_000;
// Bounds on memory and on work queued while the API is unreachable.
const CACHE_SIZE = 4096;
const MAX_PENDING_WRITES = 1000;
const REQUEST_TIMEOUT_MS = 10_000;

/** One aggregated Event: the same object, type, reason and message. */
interface Series {
  obj: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  eventName: string | undefined; // set once created
  count: number;
  first: Date;
  last: Date;
  /** Writes of one series run in order: a repeat's PATCH must follow the CREATE. */
  chain: Promise<void>;
  /** A write is queued and not started: a further repeat needs no write of its own. */
  queued: boolean;
}

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #http: KubeHttp;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #series = new Map<string, Series>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #pending = new Set<Promise<void>>();
  #seq = 0;

  constructor(o: EventRecorderOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
    this.#http = new KubeHttp({ kubeConfig: o.kubeConfig, timeoutMs: REQUEST_TIMEOUT_MS, concurrency: 4, userAgent: `${o.component}/events`, onRequest: o.onRequest });
    this.#log = o.logger.child({ component: 'events' });
  }

  /** Queues an Event; never throws, never waits. */
  record(obj: InvolvedObject, type: EventType, reason: string, message: string): void {
    try {
      const now = this.#now();
      const objectKey = JSON.stringify([obj.apiVersion, obj.kind, obj.namespace, obj.name, obj.uid ?? '']);
      if (!this.#take(objectKey, now.getTime())) { this.#drop(obj, reason, 'rate limit'); return; }
      const msg = truncateUtf8(message, MAX_MESSAGE_BYTES);
      const key = JSON.stringify([objectKey, type, reason, msg]);
      let s = this.#series.get(key);
      if (s && now.getTime() - s.last.getTime() < AGGREGATION_WINDOW_MS) {
        s.count++;
        s.last = now;
      } else {
        s = { obj, type, reason, message: msg, eventName: undefined, count: 1, first: now, last: now, chain: Promise.resolve(), queued: false };
      }
      remember(this.#series, key, s);
      this.#enqueue(s);
    } catch (err) {
      this.#log.error({ err }, 'recording an Event failed');
    }
  }

  /** Resolves when every write queued so far has finished (successfully or not). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #enqueue(s: Series): void {
    if (s.queued) return; // the queued write will send the latest count
    if (this.#pending.size >= MAX_PENDING_WRITES) { this.#drop(s.obj, s.reason, 'too many pending writes'); return; }
    s.queued = true;
    const write = s.chain.then(async () => { s.queued = false; await this.#write(s); });
    s.chain = write;
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  /** Creates the Event, or patches its count and lastTimestamp; logs failures, never rejects. */
  async #write(s: Series): Promise<void> {
    const ns = s.obj.namespace;
    try {
      if (s.eventName) {
        try {
          await this.#http.mergePatch(`/api/v1${pathOf('namespaces', ns, 'events', s.eventName)}`, { count: s.count, lastTimestamp: seconds(s.last) });
          return;
        } catch (e) {
          // Events expire (1 h by default): start a new one, as client-go does.
          if (!(e instanceof KubeApiError && e.notFound)) throw e;
          s.eventName = undefined;
        }
      }
      const name = this.#eventName(s.obj.name);
      await this.#http.post(`/api/v1${pathOf('namespaces', ns, 'events')}`, this.#body(s, name));
      s.eventName = name;
    } catch (err) {
      this.#log.warn({ err, namespace: ns, name: s.obj.name, reason: s.reason }, 'writing an Event failed');
    }
  }

  #body(s: Series, name: string): object {
    const { obj } = s;
    return {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace: obj.namespace },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.namespace, name: obj.name,
        ...(obj.uid ? { uid: obj.uid } : {}), ...(obj.resourceVersion ? { resourceVersion: obj.resourceVersion } : {}),
      },
      type: s.type, reason: s.reason, message: s.message,
      source: { component: this.#o.component },
      firstTimestamp: seconds(s.first), lastTimestamp: seconds(s.last), count: s.count,
      reportingComponent: this.#o.component,
      reportingInstance: this.#o.instance.slice(0, 128), // the apiserver's limit
    };
  }

  /** client-go's naming: `<object>.<unix nanoseconds in hex>`; a sequence keeps names unique within a millisecond. */
  #eventName(objectName: string): string {
    const nanos = BigInt(this.#now().getTime()) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    return `${objectName}.${nanos.toString(16)}`;
  }

  #take(objectKey: string, nowMs: number): boolean {
    const b = this.#buckets.get(objectKey) ?? { tokens: RATE_BURST, at: nowMs };
    b.tokens = Math.min(RATE_BURST, b.tokens + Math.max(0, nowMs - b.at) / RATE_REFILL_MS);
    b.at = nowMs;
    remember(this.#buckets, objectKey, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #drop(obj: InvolvedObject, reason: string, why: string): void {
    this.#log.debug({ namespace: obj.namespace, name: obj.name, reason, why }, 'Event dropped');
    try { this.#o.onDropped?.(); } catch { /* a metrics callback must not break recording */ }
  }
}

/** Inserts or refreshes a key as most recent; evicts the least recent beyond CACHE_SIZE. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** metav1.Time has second precision; send it that way. */
function seconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Cuts a string to at most maxBytes of UTF-8 without splitting a character, marking the cut. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  const marker = '...';
  let end = maxBytes - marker.length;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // back off continuation bytes
  return bytes.subarray(0, end).toString('utf8') + marker;
}
