// Lifecycle of the controller: caches (warm on every replica, so a standby is ready to take over),
// the work queue and its workers (acting only while leading), periodic resync, graceful shutdown.
import { createHash } from 'node:crypto';
import type { KubeConfig, KubernetesListObject, KubernetesObject, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION, type HorizontalAutoscaler } from '../api/types.ts';
import type { Config } from '../config.ts';
import type { Pod } from '../engine/inputs.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { KubeHttp } from '../kube/http.ts';
import { Discovery, ScaleClient } from '../kube/scale.ts';
import { PodMetricsSource } from '../metrics/pod-metrics.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import { conflictsIn, targetIndex, type TargetIndex } from './conflicts.ts';
import { NamespaceMemo } from './namespace-memo.ts';
import { SelectorRegistry } from './selector-conflicts.ts';
import { parseSelector, type Selector } from '../values/labels.ts';
import { stripHpa, stripMetadata, stripPod } from './strip.ts';
import { ResilientInformer } from './informer.ts';
import { WorkQueue } from './queue.ts';
import { targetPods } from './target-pods.ts';
import { slimWorkloadInPlace, WorkloadCaches } from './workloads.ts';
import { listInPages } from './paged-list.ts';
import { cachedScale } from './cached-scale.ts';
import { LintSources } from './lint-sources.ts';
import { lint } from '../lint/lint.ts';
import type { Finding } from '../lint/finding.ts';
import { Reconciler } from './reconciler.ts';
import { ShardTracker, type ShardGate } from './shards.ts';

export interface ManagerOptions {
  config: Config;
  kubeConfig: KubeConfig;
  http: KubeHttp;
  events: EventRecorder;
  metrics: ControllerMetrics;
  logger: Logger;
  /** With leader election: whether the Lease is still held by the monotonic clock (LeaderElector.holdsLease). */
  leaseHeld?: () => boolean;
  /** With --sharding: which keys this replica owns (src/kube/membership.ts); the rest are left to the other members. */
  shards?: ShardGate;
}

/** One informer over all namespaces, or one per watched namespace. */
export class Caches<T extends KubernetesObject> {
  readonly #byNamespace = new Map<string, ResilientInformer<T>>();
  readonly #all: ResilientInformer<T> | undefined;
  constructor(make: (namespace: string | undefined) => ResilientInformer<T>, namespaces: readonly string[]) {
    if (namespaces.length === 0) this.#all = make(undefined);
    else for (const ns of namespaces) this.#byNamespace.set(ns, make(ns));
  }
  get informers(): ResilientInformer<T>[] { return this.#all ? [this.#all] : [...this.#byNamespace.values()]; }
  #for(ns: string): ResilientInformer<T> | undefined { return this.#all ?? this.#byNamespace.get(ns); }
  list(ns: string): readonly T[] { return this.#for(ns)?.cache.list(ns) ?? []; }
  get(ns: string, name: string): T | undefined { return this.#for(ns)?.cache.get(name, ns); }
  all(): T[] { return this.informers.flatMap((i) => [...i.cache.list()]); }
  get synced(): boolean { return this.informers.every((i) => i.synced); }
}

/** How soon a pass skipped for an overdue Lease renew is tried again. */
const LEASE_RECHECK_MS = 1_000;

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * What makes an update worth an immediate pass. A hash, not the JSON itself: annotations may be large
 * (100 KiB of kubectl last-applied-configuration) and one fingerprint is kept per object.
 */
const fingerprintOf = (o: KubernetesObject): string =>
  createHash('sha256').update(JSON.stringify([o.metadata?.generation, o.metadata?.annotations ?? {}, o.metadata?.labels ?? {}])).digest('base64');

export class Manager {
  readonly #o: ManagerOptions;
  readonly #log: Logger;
  readonly #queue: WorkQueue;
  readonly #reconciler: Reconciler;
  readonly #autoscalers: Caches<HorizontalAutoscaler & KubernetesObject>;
  readonly #pods: Caches<V1Pod>;
  readonly #hpas: Caches<V2HorizontalPodAutoscaler>;
  /** Deployments, ReplicaSets, StatefulSets: pod ownership, rollouts, and (later) the current scale. */
  readonly #workloads: WorkloadCaches;
  /** ResourceQuotas, and KEDA ScaledObjects and VPAs when their CRDs are installed: lint and conflicts. */
  readonly #lintSources: LintSources;
  readonly #podsBySelector = new NamespaceMemo<readonly Pod[]>();
  readonly #targets = new NamespaceMemo<TargetIndex>();
  /** Lint findings per autoscaler and selector (see the lint dependency below). */
  readonly #lintFindings = new NamespaceMemo<readonly Finding[]>();
  readonly #selectors = new SelectorRegistry();
  #leading = false;
  readonly #shards: ShardTracker | undefined;
  /** Keys being reconciled now: a new shard member is acknowledged only once those it takes are done. */
  readonly #inFlight = new Set<string>();
  #workers: Promise<void>[] = [];
  #resync: NodeJS.Timeout | undefined;
  #stopping = false;

  constructor(o: ManagerOptions) {
    this.#o = o;
    this.#log = o.logger;
    const { config, kubeConfig: kc, metrics } = o;
    this.#queue = new WorkQueue({
      hooks: {
        onDepth: (d) => { metrics.queueDepth.set(d); },
        onGet: (_k, ms) => { metrics.queueWait.observe(ms / 1000); },
      },
    });
    // The informers' lists go through KubeHttp (timeout, request metrics, shared connections); the
    // watches through client-node's Watch on the same paths.
    // `slim` (strip.ts) also runs on each page of the initial list (paged-list.ts), so the unslimmed
    // list is never held whole; the informer's add handler running it again changes nothing.
    const informer = <T extends KubernetesObject>(resource: string, path: (ns: string | undefined) => string, slim?: (o: T) => void, labelSelector?: string) =>
      (ns: string | undefined) => new ResilientInformer<T>({
        kubeConfig: kc, path: path(ns), ...(labelSelector ? { labelSelector } : {}),
        list: () => listInPages((query) => o.http.get<KubernetesListObject<T>>(path(ns), { ...query, ...(labelSelector ? { labelSelector } : {}) }, 60_000), slim),
        onRestart: (err, delayMs) => {
          metrics.informerRestarts.inc({ resource });
          this.#log.warn({ err, resource, namespace: ns, delayMs }, 'watch failed; restarting');
        },
      });
    const under = (base: string, plural: string) => (ns: string | undefined): string => `${base}${ns ? `/namespaces/${ns}` : ''}/${plural}`;
    this.#autoscalers = new Caches(informer<HorizontalAutoscaler & KubernetesObject>('horizontalautoscalers', under(`/apis/${GROUP}/${VERSION}`, PLURAL), stripMetadata, config.labelSelector), config.namespaces);
    this.#pods = new Caches(informer<V1Pod>('pods', under('/api/v1', 'pods'), stripPod), config.namespaces);
    this.#hpas = new Caches(informer<V2HorizontalPodAutoscaler>('horizontalpodautoscalers', under('/apis/autoscaling/v2', 'horizontalpodautoscalers'), stripHpa), config.namespaces);
    // First handlers of all: the caches keep only what decisions read.
    const stripping = <T extends KubernetesObject>(caches: Caches<T>, strip: (o: T) => void): void => {
      for (const inf of caches.informers) { inf.on('add', strip); inf.on('update', strip); }
    };
    stripping(this.#pods, stripPod);
    stripping(this.#hpas, stripHpa);
    stripping(this.#autoscalers, stripMetadata);
    this.#workloads = new WorkloadCaches((kind, plural) => new Caches(informer<KubernetesObject>(plural, under('/apis/apps/v1', plural), (w) => { slimWorkloadInPlace(kind, w); }), config.namespaces));
    this.#lintSources = new LintSources({
      namespaces: config.namespaces, logger: o.logger,
      informer: <T extends KubernetesObject>(resource: string, path: string, onWatchError?: () => void) => new ResilientInformer<T>({
        kubeConfig: kc, path, list: () => o.http.get<KubernetesListObject<T>>(path, {}, 60_000),
        onRestart: (err, delayMs) => {
          metrics.informerRestarts.inc({ resource });
          this.#log.warn({ err, resource, delayMs }, 'watch failed; restarting');
          onWatchError?.();
        },
      }),
      list: (path) => o.http.get(path, { limit: '1' }),
      changed: (ns) => { this.#targets.touch(ns); this.#lintFindings.touch(ns); },
    });

    const discovery = new Discovery(o.http);
    const scales = new ScaleClient(o.http, discovery);
    this.#reconciler = new Reconciler({
      http: o.http, scales, events: o.events, metrics, logger: o.logger, config: config.defaults,
      sources: {
        http: o.http, discovery, scales, podMetrics: new PodMetricsSource(o.http, config.metricsTickMs),
        pods: (ns, selector) => this.#podsOf(ns, selector),
        targetPods: (autoscaler, scale, pods) => targetPods(this.#workloads, autoscaler, scale, pods),
        cachedScale: (ns, ref) => cachedScale(this.#workloads, ns, ref),
        onFetch: (type, seconds, failed) => { metrics.metricComputationDuration.observe({ action: 'none', error: failed ? 'internal' : 'none', metric_type: type }, seconds); },
      },
      autoscaler: (ns, name) => this.#autoscalers.get(ns, name),
      mayAct: (key) => this.#mayAct(key),
      selectorConflicts: (self, selector, counted) => {
        const ns = self.metadata?.namespace ?? '';
        return this.#selectors.conflicts(ns, self.metadata?.name ?? '', selector, () => this.#podsOf(ns, selector), counted);
      },
      conflicts: (self) => {
        const ns = self.metadata?.namespace ?? '';
        return conflictsIn(this.#targets.get(ns, '', () => targetIndex(this.#autoscalers.list(ns), this.#hpas.list(ns), this.#lintSources.scaledObjects(ns))), self);
      },
      // Kept per namespace until one of its autoscalers, pods, quotas or VPAs changes: at steady
      // state the findings are the same on every pass.
      lint: (self, pods, selector) => {
        const ns = self.metadata?.namespace ?? '';
        return this.#lintFindings.get(ns, `${self.metadata?.name ?? ''}\u0000${selector}`, () => lint(self.spec, {
          options: { defaultSyncPeriodSeconds: config.defaults.syncPeriodSeconds },
          ...(pods ? { pods } : {}), quotas: this.#lintSources.quotas(ns), vpas: this.#lintSources.vpas(ns),
        }));
      },
    });
    // With --sharding: keys gained are re-read and resumed from their persisted status, then
    // evaluated at once; keys lost are dropped (src/controller/shards.ts).
    this.#shards = o.shards ? new ShardTracker({
      gate: o.shards, logger: o.logger,
      keys: () => this.#autoscalers.all().map(keyOf),
      gained: (k) => { this.#reconciler.resumeKey(k); this.#queue.add(k); },
      lost: (k) => { this.#queue.cancel(k); this.#reconciler.resumeKey(k); },
    }) : undefined;
    o.shards?.subscribe(() => { this.#shards?.sync(); });
    // Derived per-namespace values are dropped whenever an object they derive from changes.
    const touching = <T extends KubernetesObject>(caches: Caches<T>, ...memos: { touch(namespace: string): void }[]): void => {
      const touch = (o: T): void => { for (const memo of memos) memo.touch(o.metadata?.namespace ?? ''); };
      for (const inf of caches.informers) { inf.on('add', touch); inf.on('update', touch); inf.on('delete', touch); }
    };
    touching(this.#pods, this.#podsBySelector, this.#selectors, this.#lintFindings);
    touching(this.#autoscalers, this.#targets, this.#lintFindings);
    touching(this.#hpas, this.#targets);

    for (const inf of this.#autoscalers.informers) {
      inf.on('add', (obj) => { this.#queue.add(keyOf(obj)); });
      inf.on('update', (obj) => { this.#onUpdate(obj); });
      inf.on('delete', (obj) => {
        const k = keyOf(obj);
        this.#seen.delete(k);
        this.#selectors.forget(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
        this.#queue.cancel(k);
        this.#reconciler.forget(k);
        this.#shards?.forget(k);
      });
    }
  }

  /** The namespace's cached pods the selector picks (all of them when it does not parse: the engine says why). */
  #podsOf(ns: string, selector: string | undefined): readonly Pod[] {
    const all = (): Pod[] => this.#pods.list(ns) as unknown as Pod[];
    if (selector === undefined) return all();
    return this.#podsBySelector.get(ns, selector, () => {
      let parsed: Selector;
      try { parsed = parseSelector(selector); } catch { return all(); }
      return all().filter((p) => parsed.matches(p.metadata.labels));
    });
  }

  // Status writes (ours included) arrive as updates: only spec, label or annotation changes are
  // worth an immediate pass; everything else waits for the object's sync period.
  readonly #seen = new Map<string, string>();
  #onUpdate(obj: HorizontalAutoscaler & KubernetesObject): void {
    const k = keyOf(obj);
    const fingerprint = fingerprintOf(obj);
    if (this.#seen.get(k) === fingerprint) return;
    this.#seen.set(k, fingerprint);
    this.#queue.add(k);
  }

  get leading(): boolean { return this.#leading; }

  #mayAct(key: string): boolean { return this.#leading && (this.#o.leaseHeld?.() ?? true) && (this.#shards?.mayAct(key) ?? true); }

  /** Keys being reconciled right now. */
  inFlight(): ReadonlySet<string> { return this.#inFlight; }

  /**
   * How many entries each per-object structure holds: once deleted objects are gone from the cache,
   * these fall back to the live count (the leak test and the soak benchmark read them).
   */
  retained(): Record<string, number> {
    return { seen: this.#seen.size, selectors: this.#selectors.size, ...this.#reconciler.retained(), ...this.#queue.retained() };
  }

  /** Namespaces with derived values held (pods by selector, target index); these live with the namespace, not per object. */
  derived(): Record<string, number> {
    return { podsBySelector: this.#podsBySelector.size, targets: this.#targets.size, lintFindings: this.#lintFindings.size };
  }
  get synced(): boolean { return this.#autoscalers.synced && this.#pods.synced && this.#hpas.synced && this.#workloads.synced && this.#lintSources.synced; }

  /** Read access to the workload caches (Deployments, ReplicaSets, StatefulSets). */
  get workloads(): WorkloadCaches { return this.#workloads; }

  /** Ready when the caches are synced: a standby replica is ready to take over. */
  ready(): { ok: boolean; reason?: string } {
    if (this.#stopping) return { ok: false, reason: 'shutting down' };
    if (!this.synced) return { ok: false, reason: 'caches not synced' };
    return { ok: true };
  }

  /** Starts the caches and the workers; workers act only while leading. */
  async start(): Promise<void> {
    await Promise.all([...[...this.#autoscalers.informers, ...this.#pods.informers, ...this.#hpas.informers, ...this.#workloads.informers].map((i) => i.start()), this.#lintSources.start()]);
    for (const inf of this.#autoscalers.informers) for (const obj of inf.cache.list()) this.#seen.set(keyOf(obj), fingerprintOf(obj));
    this.#workers = Array.from({ length: this.#o.config.workers }, () => this.#work());
    this.#resync = setInterval(() => { if (this.#leading) this.#enqueueAll(); }, this.#o.config.resyncMs);
    this.#resync.unref();
  }

  startLeading(): void {
    this.#leading = true;
    this.#o.metrics.leader.set(1);
    this.#reconciler.resume(); // another leader may have acted since this process last led
    this.#log.info('leading: reconciling');
    this.#enqueueAll();
  }

  stopLeading(): void {
    this.#leading = false;
    this.#o.metrics.leader.set(0);
    this.#log.warn('not leading: reconciles stop');
  }

  #enqueueAll(): void {
    for (const obj of this.#autoscalers.all()) this.#queue.add(keyOf(obj));
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      try {
        if (!this.#mayAct(key)) {
          // Not leading: startLeading() re-enqueues everything. Leading but the renew is overdue:
          // look again shortly (the renew may still succeed). Another shard member's key: dropped
          // (a key gained later is enqueued then).
          if (this.#leading && (this.#shards?.owns(key) ?? true)) this.#queue.addAfter(key, LEASE_RECHECK_MS);
          continue;
        }
        this.#inFlight.add(key);
        const result = await this.#reconciler.reconcile(key);
        this.#queue.forget(key);
        if (result.requeueAfterMs !== undefined) this.#queue.addAfter(key, result.requeueAfterMs);
      } catch (e) {
        // Retried quickly at first, but never later than the object's sync period, as upstream's
        // HPA retries a failed pass at its resync period: a lasting failure must not stop evaluations.
        if (this.#stopping) { this.#log.info({ key, err: e }, 'reconcile cut short by shutdown'); continue; }
        const delay = this.#queue.addRateLimited(key, this.#reconciler.periodMs(key));
        this.#log.error({ err: e, key, retryInMs: delay }, 'reconcile failed');
      } finally {
        this.#inFlight.delete(key);
        this.#queue.done(key);
      }
    }
  }

  /**
   * Graceful stop: no new work; in-flight reconciles get `graceMs` to finish, then their API calls are
   * aborted (a pass cut short is redone by the next leader from the status it reads); caches stop.
   */
  async stop(graceMs = 1_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#resync);
    const drained = this.#queue.shutDown().then(() => Promise.all(this.#workers));
    const cutOff = setTimeout(() => { void this.#o.http.abort(); }, graceMs);
    await drained;
    clearTimeout(cutOff);
    await Promise.all([...[...this.#autoscalers.informers, ...this.#pods.informers, ...this.#hpas.informers, ...this.#workloads.informers].map((i) => i.stop()), this.#lintSources.stop()]);
    await Promise.race([this.#o.events.flush(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    await this.#o.http.abort();
  }
}
