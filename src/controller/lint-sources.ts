// The objects the runtime lint checks and the conflict check read beyond autoscalers, pods and HPAs:
//   - ResourceQuotas (core, always served): a small cache, stripped to the pod limits;
//   - KEDA ScaledObjects (keda.sh/v1alpha1) and VerticalPodAutoscalers (autoscaling.k8s.io/v1): CRDs
//     that may not be installed. Each is probed with a LIST of one item; while the API server answers
//     404 (no such resource), it is probed again every `recheckMs` (60 s by default: a CRD installed
//     after kscale started is seen within a minute, at the cost of one small request a minute); once
//     it answers, a watch cache starts. A cache whose watch fails is probed again, and dropped if the
//     CRD is gone. The probe is a LIST (not discovery) so that RBAC sees and authorizes the same
//     request a watch makes.
// All caches keep only what is read (fresh small objects, as strip.ts does).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { scaledObjectEntry, type HpaLike } from './conflicts.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { ResourceQuotaLike, VpaLike } from '../lint/runtime-checks.ts';
import type { ResilientInformer } from './informer.ts';

/** What LintSources needs of a started cache (a ResilientInformer; a fake in tests). */
export interface CacheLike<T extends KubernetesObject> {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
  readonly cache: { list(namespace?: string): readonly T[] };
  on(event: 'add' | 'update' | 'delete', handler: (obj: T) => void): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (o: unknown, keys: readonly string[]): Obj | undefined => {
  if (!isObj(o)) return undefined;
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};
const META = ['name', 'namespace', 'uid', 'resourceVersion', 'deletionTimestamp'];

/** A ScaledObject is read for its target only (kind defaults to Deployment, as KEDA defaults it). */
export function stripScaledObject(obj: KubernetesObject): void {
  const o = obj as Obj;
  o.metadata = pick(o.metadata, META);
  const ref = pick(isObj(o.spec) ? o.spec.scaleTargetRef : undefined, ['apiVersion', 'kind', 'name']);
  o.spec = ref ? { scaleTargetRef: ref } : {};
  delete o.status;
}

/** A VPA is read for its target, update mode and which containers' resources it controls. */
export function stripVpa(obj: KubernetesObject): void {
  const o = obj as Obj;
  o.metadata = pick(o.metadata, META);
  const spec = isObj(o.spec) ? o.spec : {};
  const policies = isObj(spec.resourcePolicy) && Array.isArray(spec.resourcePolicy.containerPolicies)
    ? spec.resourcePolicy.containerPolicies.map((p) => pick(p, ['containerName', 'mode', 'controlledResources']) ?? {})
    : undefined;
  o.spec = {
    ...(isObj(spec.targetRef) ? { targetRef: pick(spec.targetRef, ['apiVersion', 'kind', 'name']) } : {}),
    ...(isObj(spec.updatePolicy) ? { updatePolicy: pick(spec.updatePolicy, ['updateMode']) } : {}),
    ...(policies ? { resourcePolicy: { containerPolicies: policies } } : {}),
  };
  delete o.status;
}

/** A ResourceQuota is read for its pod limits and whether it is scoped. */
export function stripQuota(obj: KubernetesObject): void {
  const o = obj as Obj;
  o.metadata = pick(o.metadata, META);
  const spec = isObj(o.spec) ? o.spec : {};
  o.spec = {
    ...(isObj(spec.hard) ? { hard: pick(spec.hard, ['pods', 'count/pods']) } : {}),
    ...(Array.isArray(spec.scopes) && spec.scopes.length > 0 ? { scopes: spec.scopes } : {}),
    ...(spec.scopeSelector !== undefined ? { scopeSelector: true } : {}),
  };
  delete o.status;
}

export interface OptionalCacheOptions<T extends KubernetesObject> {
  /** e.g. "scaledobjects.keda.sh", for logs. */
  resource: string;
  /** Lists at most one item: resolves when the resource is served, rejects otherwise (404: not installed). */
  probe: () => Promise<unknown>;
  /** A new cache over the resource, with `onWatchError` called when its watch fails. */
  make: (onWatchError: () => void) => CacheLike<T>;
  /** Called for every object added, changed, deleted or dropped with the cache (and before others see it: strip here). */
  handlers: { strip: (o: T) => void; changed: (namespace: string) => void };
  logger: Logger;
  recheckMs?: number;
}

/** One cache over a resource that may not be served yet: see the file comment. */
export class OptionalCache<T extends KubernetesObject> {
  readonly #o: OptionalCacheOptions<T>;
  #cache: CacheLike<T> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #checking = false;

  constructor(o: OptionalCacheOptions<T>) { this.#o = o; }

  /** Probes once (and starts the cache when served); later probes run in the background. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#check();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#cache?.stop();
  }

  /** Whether the resource is served (a cache exists). */
  get present(): boolean { return this.#cache !== undefined; }
  /** Absent counts as synced: there is nothing to wait for. */
  get synced(): boolean { return this.#cache?.synced ?? true; }
  list(namespace?: string): readonly T[] { return this.#cache?.cache.list(namespace) ?? []; }

  // A method, so each check reads the field after the awaits (stop() may run meanwhile).
  #running(): boolean { return !this.#stopped; }

  async #check(): Promise<void> {
    if (this.#checking || this.#stopped) return;
    this.#checking = true;
    try {
      let served: boolean;
      try {
        await this.#o.probe();
        served = true;
      } catch (e) {
        served = false;
        if (!(e instanceof KubeApiError && e.notFound)) this.#o.logger.warn({ err: e, resource: this.#o.resource }, 'cannot list; checking again later');
      }
      if (served && !this.#cache && this.#running()) {
        const cache = this.#o.make(() => { void this.#check(); });
        const { strip, changed } = this.#o.handlers;
        const touch = (obj: T): void => { changed(obj.metadata?.namespace ?? ''); };
        for (const event of ['add', 'update'] as const) { cache.on(event, strip); cache.on(event, touch); }
        cache.on('delete', touch);
        this.#cache = cache;
        this.#o.logger.info({ resource: this.#o.resource }, 'served: watching it');
        await cache.start();
      } else if (!served && this.#cache) {
        const gone = this.#cache;
        this.#cache = undefined;
        await gone.stop();
        for (const obj of gone.cache.list()) this.#o.handlers.changed(obj.metadata?.namespace ?? '');
        this.#o.logger.info({ resource: this.#o.resource }, 'no longer served: cache dropped');
      }
      if (!this.#cache && this.#running()) {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => { void this.#check(); }, this.#o.recheckMs ?? 60_000);
        this.#timer.unref();
      }
    } finally {
      this.#checking = false;
    }
  }
}

export interface LintSourcesOptions {
  /** Namespaces watched (empty: all). */
  namespaces: readonly string[];
  /** A watch cache over `path` (the manager's ResilientInformer factory). */
  informer: <T extends KubernetesObject>(resource: string, path: string, onWatchError?: () => void) => ResilientInformer<T>;
  /** LIST with limit=1, for the probes. */
  list: (path: string) => Promise<unknown>;
  /** A namespace's derived values must be recomputed (ScaledObjects feed the target index). */
  changed: (namespace: string) => void;
  logger: Logger;
  recheckMs?: number;
}

const under = (base: string, plural: string) => (ns: string | undefined): string => `${base}${ns ? `/namespaces/${ns}` : ''}/${plural}`;

/** ScaledObjects, VPAs and ResourceQuotas, per watched namespace or cluster-wide. */
export class LintSources {
  readonly #scaledObjects = new Map<string, OptionalCache<KubernetesObject>>();
  readonly #vpas = new Map<string, OptionalCache<KubernetesObject>>();
  readonly #quotas = new Map<string, CacheLike<KubernetesObject>>();
  readonly #all: boolean;

  constructor(o: LintSourcesOptions) {
    const scopes = o.namespaces.length === 0 ? [undefined] : [...o.namespaces];
    this.#all = o.namespaces.length === 0;
    const optional = (resource: string, path: (ns: string | undefined) => string, strip: (x: KubernetesObject) => void, ns: string | undefined) =>
      new OptionalCache<KubernetesObject>({
        resource, logger: o.logger, probe: () => o.list(path(ns)), handlers: { strip, changed: o.changed },
        make: (onWatchError) => o.informer(resource, path(ns), onWatchError),
        ...(o.recheckMs !== undefined ? { recheckMs: o.recheckMs } : {}),
      });
    for (const ns of scopes) {
      const key = ns ?? '';
      this.#scaledObjects.set(key, optional('scaledobjects.keda.sh', under('/apis/keda.sh/v1alpha1', 'scaledobjects'), stripScaledObject, ns));
      this.#vpas.set(key, optional('verticalpodautoscalers.autoscaling.k8s.io', under('/apis/autoscaling.k8s.io/v1', 'verticalpodautoscalers'), stripVpa, ns));
      const quotas = o.informer<KubernetesObject>('resourcequotas', under('/api/v1', 'resourcequotas')(ns));
      quotas.on('add', stripQuota);
      quotas.on('update', stripQuota);
      // A quota change may change a finding (MaxReplicasAboveQuota): derived values are dropped.
      for (const event of ['add', 'update', 'delete'] as const) quotas.on(event, (q) => { o.changed(q.metadata?.namespace ?? ''); });
      this.#quotas.set(key, quotas);
    }
  }

  #in<T>(map: Map<string, T>, ns: string): T | undefined { return map.get(this.#all ? '' : ns); }

  /** The namespace's ScaledObjects as conflict-index entries (kind Deployment when unset, as KEDA defaults it). */
  scaledObjects(ns: string): HpaLike[] {
    return (this.#in(this.#scaledObjects, ns)?.list(ns) ?? []).map((so) => scaledObjectEntry(so as Parameters<typeof scaledObjectEntry>[0]));
  }

  vpas(ns: string): readonly VpaLike[] { return (this.#in(this.#vpas, ns)?.list(ns) ?? []); }
  quotas(ns: string): readonly ResourceQuotaLike[] { return (this.#in(this.#quotas, ns)?.cache.list(ns) ?? []); }

  #caches(): { start(): Promise<void>; stop(): Promise<void>; readonly synced: boolean }[] {
    return [...this.#scaledObjects.values(), ...this.#vpas.values(), ...this.#quotas.values()];
  }
  async start(): Promise<void> { await Promise.all(this.#caches().map((c) => c.start())); }
  async stop(): Promise<void> { await Promise.all(this.#caches().map((c) => c.stop())); }
  get synced(): boolean { return this.#caches().every((c) => c.synced); }
}
