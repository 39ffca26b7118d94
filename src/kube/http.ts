// One small JSON client for every call kscale makes to the API server: typed objects, /scale and
// /status subresources, discovery, and the aggregated metrics APIs (whose paths the generated
// clients cannot build). Every call has a timeout, concurrency is bounded with p-queue, TLS
// connections are reused, and each request is counted by verb and code.
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpMethod, RequestContext } from './client-node.ts';
import PQueue from 'p-queue';
import { fetch, type Dispatcher } from 'undici';
import { fromResponse, KubeApiError, toKubeError } from './errors.ts';

export interface KubeHttpOptions {
  kubeConfig: KubeConfig;
  timeoutMs?: number;
  concurrency?: number;
  userAgent?: string;
  /** Called after every request: verb, HTTP code or error reason, duration in seconds. */
  onRequest?: (verb: string, code: string, seconds: number) => void;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
// Reuse one dispatcher (TLS session pool) but refresh it now and then so a rotated CA or client
// certificate is picked up.
const DISPATCHER_MAX_AGE_MS = 10 * 60_000;
// Credentials (headers, TLS options) are resolved once and reused for this long: resolving them
// builds a TLS agent and may read token files, far too costly per request. A 401 refreshes them.
const CREDENTIALS_MAX_AGE_MS = 60_000;

interface Credentials { headers: Record<string, string>; dispatcher: Dispatcher | undefined }

export class KubeHttp {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  readonly #timeoutMs: number;
  readonly #queue: PQueue;
  readonly #userAgent: string;
  readonly #onRequest: KubeHttpOptions['onRequest'];
  #dispatcher: { value: Dispatcher | undefined; since: number } | undefined;
  #credentials: { value: Promise<Credentials>; since: number } | undefined;
  /** Aborted on shutdown: in-flight requests end at once and new ones fail fast. */
  readonly #closing = new AbortController();

  constructor(o: KubeHttpOptions) {
    const server = o.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('kubeconfig has no current cluster');
    this.kubeConfig = o.kubeConfig;
    this.server = server.replace(/\/+$/, '');
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#queue = new PQueue({ concurrency: o.concurrency ?? 10 });
    this.#userAgent = o.userAgent ?? 'kscale';
    this.#onRequest = o.onRequest;
  }

  get<T>(path: string, query?: RequestOptions['query'], timeoutMs?: number): Promise<T> {
    return this.request<T>('GET', path, { query, timeoutMs });
  }
  mergePatch<T>(path: string, body: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: MERGE_PATCH, query });
  }
  /** RFC 6902 operations, e.g. [{op: 'add', path: '/status', value}] to replace a field whole. */
  jsonPatch<T>(path: string, operations: readonly { op: string; path: string; value?: unknown }[], query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('PATCH', path, { body: operations, contentType: JSON_PATCH, query });
  }
  put<T>(path: string, body: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('PUT', path, { body, query });
  }
  post<T>(path: string, body: unknown, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }

  /** Sends one request; resolves to the decoded JSON body, rejects with a KubeApiError. */
  request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return this.#queue.add(async () => this.#send<T>(method, path, o));
  }

  async #send<T>(method: string, path: string, o: RequestOptions, retryOnUnauthorized = true): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const started = performance.now();
    let code = 'error';
    try {
      if (this.#closing.signal.aborted) throw new KubeApiError('the client is shutting down', undefined, 'ShuttingDown', false);
      const creds = await this.#resolveCredentials();
      const headers: Record<string, string> = { ...creds.headers, Accept: 'application/json', 'User-Agent': this.#userAgent };
      if (o.body !== undefined) headers['Content-Type'] = o.contentType ?? 'application/json';
      // fetch, not undici's request(): request() does not abort on its signal while a connection
      // is still being set up (a black-holed API server would hold the call for the connect timeout).
      const res = await fetch(url, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        dispatcher: creds.dispatcher,
        signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs ?? this.#timeoutMs), this.#closing.signal]),
      });
      const text = await res.text();
      code = String(res.status);
      if (res.status === 401 && retryOnUnauthorized) {
        this.#credentials = undefined; // a rotated token: resolve again, once
        return await this.#send<T>(method, path, o, false);
      }
      if (!res.ok) throw fromResponse(res.status, text);
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (e) {
      const err = toKubeError(e);
      if (err.code === undefined) code = err.reason;
      throw err;
    } finally {
      this.#onRequest?.(method.toLowerCase(), code, (performance.now() - started) / 1000);
    }
  }

  #resolveCredentials(): Promise<Credentials> {
    const now = Date.now();
    if (!this.#credentials || now - this.#credentials.since > CREDENTIALS_MAX_AGE_MS) {
      const value = (async (): Promise<Credentials> => {
        const ctx = new RequestContext(this.server, HttpMethod.GET);
        await this.kubeConfig.applySecurityAuthentication(ctx);
        return { headers: ctx.getHeaders(), dispatcher: this.#shared(ctx.getDispatcher()) };
      })();
      // A failed resolution is not kept: the next request tries again.
      value.catch(() => { if (this.#credentials?.value === value) this.#credentials = undefined; });
      this.#credentials = { value, since: now };
    }
    return this.#credentials.value;
  }

  #shared(fresh: Dispatcher | undefined): Dispatcher | undefined {
    if (!fresh) return undefined;
    const now = Date.now();
    if (!this.#dispatcher || now - this.#dispatcher.since > DISPATCHER_MAX_AGE_MS) {
      void this.#dispatcher?.value?.close();
      this.#dispatcher = { value: fresh, since: now };
    } else if (fresh !== this.#dispatcher.value) {
      void fresh.close();
    }
    return this.#dispatcher.value;
  }

  /** Waits for in-flight requests (shutdown). */
  async idle(): Promise<void> { await this.#queue.onIdle(); }

  /**
   * Shutdown: ends in-flight requests now, refuses new ones and closes pooled connections, so that a
   * stopping process is not held open by a slow API server or idle keep-alive sockets.
   */
  async abort(): Promise<void> {
    this.#closing.abort(new KubeApiError('the client is shutting down', undefined, 'ShuttingDown', false));
    this.#queue.clear();
    await this.#queue.onIdle();
    await this.#dispatcher?.value?.destroy().catch(() => undefined);
  }
}

/** Encodes each path segment: names may hold characters that are special in URLs. */
export function pathOf(...segments: string[]): string {
  // URL parsing resolves "." and ".." (escaped or not) away: such a segment would name another path.
  const dots = segments.find((s) => s === '.' || s === '..');
  if (dots !== undefined) throw new KubeApiError(`"${dots}" is not a valid path segment`, undefined, 'Invalid', false);
  return '/' + segments.map(encodeURIComponent).join('/');
}
