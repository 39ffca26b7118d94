// One pass for one HorizontalAutoscaler: re-read state, gather a snapshot, decide (the pure engine),
// act (patch /scale), report (status only when it changed, Events, metrics, one log line).
// Level-based: the key is all it gets; nothing but the status carries state between passes.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ControllerDefaults } from '../api/defaults.ts';
import { API_VERSION, KIND, PLURAL, GROUP, VERSION, type HorizontalAutoscaler, type HorizontalAutoscalerStatus } from '../api/types.ts';
import { decide } from '../engine/decide.ts';
import { approximateFloat64, isQuantity, parseQuantity } from '../values/quantity.ts';
import { jsonEqual } from '../values/json-equal.ts';
import type { Decision } from '../engine/snapshot.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { EventRecorder } from '../kube/events.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';
import type { ScaleClient } from '../kube/scale.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import { gather, type Gathered, type GatherSources } from './gather.ts';
import type { Pod } from '../engine/inputs.ts';
import type { Finding } from '../lint/finding.ts';

/** "93%" → 93, "250m" → 0.25, "1Gi" → 1073741824; undefined when absent or unparsable. */
function numeric(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text.endsWith('%')) return Number(text.slice(0, -1));
  return isQuantity(text) ? approximateFloat64(parseQuantity(text)) : undefined;
}

export interface ReconcilerDeps {
  http: KubeHttp;
  scales: ScaleClient;
  sources: GatherSources;
  autoscaler: (namespace: string, name: string) => HorizontalAutoscaler | undefined;
  /** The other autoscalers and HPAs scaling this one's target (conflicts.ts). */
  conflicts: (self: HorizontalAutoscaler) => string[];
  /**
   * Whether this process may still write: it leads and its Lease was renewed within the renew
   * deadline (by the monotonic clock). Checked before every write of a pass, not only at its start: a
   * process frozen mid-pass (SIGSTOP, a long GC pause) wakes up after another replica took over.
   * With --sharding, also that this replica still owns the key.
   */
  mayAct: (key: string) => boolean;
  /**
   * Records this autoscaler's selector (and under OwnerReference the pods it counts); the other
   * autoscalers counting any of its pods (selector-conflicts.ts).
   */
  selectorConflicts: (self: HorizontalAutoscaler, selector: string, counted?: readonly string[]) => readonly string[];
  /** Lint findings (src/lint) given the pods the target's selector picks (undefined: no selector). */
  lint?: (self: HorizontalAutoscaler, pods: readonly Pod[] | undefined, selector: string) => readonly Finding[];
  events: EventRecorder;
  metrics: ControllerMetrics;
  logger: Logger;
  config: ControllerDefaults;
  now?: () => number;
}

export interface ReconcileResult {
  /** Re-evaluate after this long (the object's sync period); undefined when the object is gone. */
  requeueAfterMs?: number;
}

const statusPath = (ns: string, name: string): string => `/apis/${GROUP}/${VERSION}${pathOf('namespaces', ns, PLURAL, name, 'status')}`;

/** The stabilization and scale-event history (and when it last scaled), as the status carries it. */
// The decision ledger is history too: a step whose status write failed must still be in it.
// So is each metric's failing-since and last value (fallback, safety gates): a cleared one stays cleared.
type History = Pick<HorizontalAutoscalerStatus, 'recommendations' | 'scaleUpEvents' | 'scaleDownEvents' | 'lastScaleTime' | 'decisions' | 'metricHistory'>;

function historyOf(s: HorizontalAutoscalerStatus): History {
  return {
    ...(s.lastScaleTime ? { lastScaleTime: s.lastScaleTime } : {}),
    ...(s.decisions ? { decisions: s.decisions } : {}),
    ...(s.recommendations ? { recommendations: s.recommendations } : {}),
    ...(s.scaleUpEvents ? { scaleUpEvents: s.scaleUpEvents } : {}),
    ...(s.scaleDownEvents ? { scaleDownEvents: s.scaleDownEvents } : {}),
    metricHistory: s.metricHistory,
  };
}

/**
 * What a status says, less what moves on every pass without changing its meaning: the decision's
 * time and the times at which the same recommended values were seen again. Status is written when
 * this changes.
 */
function meaning(s: HorizontalAutoscalerStatus | undefined): unknown {
  if (!s) return {};
  let m = meanings.get(s);
  if (m === undefined) meanings.set(s, (m = meaningOf(s)));
  return m;
}

/**
 * The stored status is the same object from pass to pass until it changes (the cache's, or our last
 * write): its meaning is worked out once. Statuses are never mutated once built.
 */
const meanings = new WeakMap<HorizontalAutoscalerStatus, unknown>();

function meaningOf(s: HorizontalAutoscalerStatus): unknown {
  // Compared with jsonEqual: a field set to undefined here is absent in what the API server returns.
  const { lastDecision, recommendations, ...rest } = s;
  const { time: _time, ...decision } = lastDecision ?? { time: '' };
  return { ...rest, decision, recommended: (recommendations ?? []).map((r) => r.replicas).sort((a, b) => a - b) };
}

/** Under selectionStrategy OwnerReference with ownership resolved, the names of the pods that count. */
function ownedPods(s: Gathered['snapshot']): string[] | undefined {
  const ownership = s.podOwnership;
  if (s.autoscaler.spec.selectionStrategy !== 'OwnerReference' || !ownership || 'error' in ownership) return undefined;
  const notOwned = new Set(ownership.notOwned);
  return s.pods.filter((p) => !notOwned.has(p.metadata.name)).map((p) => p.metadata.name);
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  readonly #now: () => number;
  /**
   * Our last written status per key and when: the cache may not have seen it yet at the next pass.
   * Trusted for one sync period only; after that the cache is the truth (someone may have changed
   * or cleared the status since, and it must then be written again).
   */
  readonly #written = new Map<string, { status: HorizontalAutoscalerStatus; at: number }>();
  /**
   * The history this process recorded while leading: authoritative over the status's copy, which
   * is written only when its meaning changes and may fail to be written at all.
   */
  readonly #history = new Map<string, History>();
  /** When each key's last pass started and when its next one is due: evaluation spacing and lag. */
  readonly #due = new Map<string, { started: number; due?: number }>();
  /** Keys this process just scaled: their next pass reads the scale from the API server, not the cache. */
  readonly #scaled = new Set<string>();
  /** Keys (re)gained from another shard member: their next pass reads the object from the API server. */
  readonly #reread = new Set<string>();

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Drops what this process remembers; the next pass resumes from the persisted status (a new term as leader). */
  resume(): void {
    this.#written.clear();
    this.#history.clear();
  }

  /**
   * One key gained from (or lost to) another shard member, which may have acted on it meanwhile:
   * forget what this process remembers of it; its next pass reads the object from the API server (the
   * cache may not have the previous owner's last status write yet) and continues from that status.
   */
  resumeKey(key: string): void {
    this.#written.delete(key);
    this.#history.delete(key);
    this.#reread.add(key);
  }

  forget(key: string): void {
    this.#written.delete(key);
    this.#history.delete(key);
    this.#reread.delete(key);
    this.#scaled.delete(key);
    this.#due.delete(key);
    const [ns = '', name = ''] = key.split('/');
    this.#d.metrics.forget(ns, name);
  }

  /** Entries held per object, by map (Manager.retained). */
  retained(): Record<string, number> {
    return { written: this.#written.size, history: this.#history.size, due: this.#due.size, scaled: this.#scaled.size };
  }

  /** How often the object is evaluated: its own sync period, else the controller's. */
  periodMs(key: string): number {
    const [namespace = '', name = ''] = key.split('/');
    return (this.#d.autoscaler(namespace, name)?.spec.syncPeriodSeconds ?? this.#d.config.syncPeriodSeconds) * 1000;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    let cached = this.#d.autoscaler(namespace, name);
    if (cached && this.#reread.has(key)) {
      cached = await this.#readFresh(namespace, name);
      this.#reread.delete(key);
    }
    if (!cached || cached.metadata?.deletionTimestamp) { this.forget(key); return {}; }
    // Made on first use: most passes log nothing (a child logger per pass was ~1 % of the CPU).
    let child: Logger | undefined;
    const log = (): Logger => (child ??= this.#d.logger.child({ namespace, name, reconcileID: randomUUID().slice(0, 8) }));
    const started = performance.now();
    const now = this.#now();
    const last = this.#due.get(key);
    if (last?.due !== undefined) this.#d.metrics.evaluationLag.observe(Math.max(0, now - last.due) / 1000);
    if (last) this.#d.metrics.evaluationSpacing.observe(Math.max(0, now - last.started) / 1000);
    this.#due.set(key, { started: now });

    const persisted = this.#withFreshestStatus(key, cached);
    const history = this.#history.get(key);
    const autoscaler = history ? { ...persisted, status: { ...persisted.status, ...history } } : persisted;
    let action = 'none';
    let errorKind = 'none';
    try {
      const read = async (freshScale: boolean): Promise<Gathered> => {
        const g = await gather(this.#d.sources, autoscaler, now, { freshScale });
        const snapshot = g.snapshot;
        snapshot.targetConflicts = this.#d.conflicts(autoscaler);
        const selector = 'error' in snapshot.scale ? '' : snapshot.scale.status?.selector ?? '';
        if (selector !== '') snapshot.selectorConflicts = this.#d.selectorConflicts(autoscaler, selector, ownedPods(snapshot));
        if (this.#d.lint) snapshot.lint = this.#d.lint(autoscaler, selector !== '' ? snapshot.pods : undefined, selector);
        // The controller-wide defaults (--tolerance, --downscale-stabilization, ...) the engine applies
        // where the object does not set its own.
        snapshot.config = this.#d.config;
        snapshot.resumed = history === undefined;
        return g;
      };
      // The scale comes from the workload cache when it holds the target, except on the pass after
      // our own scale (the cache may not have it yet).
      let { snapshot, scaleRead } = await read(this.#scaled.delete(key));
      let decision = decide(snapshot);
      // A change is decided only on the scale as the API server has it now, as upstream reads it: a
      // cache may lag someone else's write (a manual scale, a rollout tool).
      if (decision.scaleTo !== null && scaleRead?.cached) {
        ({ snapshot, scaleRead } = await read(true));
        decision = decide(snapshot);
      }
      if (!this.#d.mayAct(key)) return this.#abandon(log());
      if (decision.scaleTo !== null && scaleRead) {
        const from = decision.currentReplicas ?? 0;
        try {
          await this.#d.scales.update(scaleRead, decision.scaleTo);
          this.#scaled.add(key);
          action = decision.scaleTo > from ? 'scale_up' : 'scale_down';
          this.#d.metrics.scaleEvents.inc({ namespace, name, direction: action === 'scale_up' ? 'up' : 'down' });
        } catch (e) {
          log().warn({ err: e }, 'scale update failed');
          decision = decide({ ...snapshot, rescaleError: (e as Error).message });
          errorKind = 'internal';
        }
      }
      if (decision.error && errorKind === 'none') errorKind = decision.explanation.limitedBy === 'invalidSpec' ? 'spec' : 'internal';
      // Kept before the status write, so that a failed write loses no scale event.
      if (decision.currentReplicas !== undefined) this.#history.set(key, historyOf(decision.status));
      // After a scale this process made as leader, its status (the scale event) is still written.
      if (action === 'none' && !this.#d.mayAct(key)) return this.#abandon(log());
      this.#report(autoscaler, decision);
      if (!await this.#writeStatus(key, persisted, decision.status, log)) return {};
      this.#observe(namespace, name, decision);
      // A scale is news; a pass that changed nothing is logged only at debug (one line per object per
      // sync period would dominate the log and the controller's CPU).
      const level = decision.scaleTo !== null ? 'info' : 'debug';
      if (this.#d.logger.isLevelEnabled(level)) {
        log()[level]({
          current: decision.currentReplicas, desired: decision.desiredReplicas, scaledTo: decision.scaleTo, reason: decision.rescaleReason,
          limitedBy: decision.explanation.limitedBy, proposed: decision.explanation.proposed, ...(decision.error ? { error: decision.error } : {}),
        }, decision.scaleTo !== null ? 'scaled' : 'evaluated');
      }
    } catch (e) {
      errorKind = 'internal';
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#d.metrics.reconciliations.inc({ action, error: errorKind });
      this.#d.metrics.reconciliationDuration.observe({ action, error: errorKind }, seconds);
    }
    const period = this.periodMs(key);
    this.#due.set(key, { started: now, due: this.#now() + period });
    return { requeueAfterMs: period };
  }

  /** The object as the API server has it now (a consistent LIST by name: the RBAC grants list, not get). */
  async #readFresh(namespace: string, name: string): Promise<HorizontalAutoscaler | undefined> {
    const path = `/apis/${GROUP}/${VERSION}${pathOf('namespaces', namespace, PLURAL)}`;
    const list = await this.#d.http.get<{ items?: HorizontalAutoscaler[] }>(path, { fieldSelector: `metadata.name=${name}` });
    return list.items?.[0];
  }

  /** Prefer our own last write when the cache has not caught up with it yet. */
  #withFreshestStatus(key: string, cached: HorizontalAutoscaler): HorizontalAutoscaler {
    const written = this.#written.get(key);
    if (!written) return cached;
    const mine = written.status.lastDecision?.time;
    const theirs = cached.status?.lastDecision?.time;
    if (this.#now() - written.at <= this.periodMs(key) && mine && (!theirs || Date.parse(mine) > Date.parse(theirs))) {
      return { ...cached, status: written.status };
    }
    this.#written.delete(key);
    return cached;
  }

  /**
   * The Lease is no longer provably held: no write, no Event (a new leader decides from what it
   * reads). Looked at again shortly, which the manager drops if leadership is really gone.
   */
  #abandon(log: Logger): ReconcileResult {
    log.info('the Lease is not provably held: nothing written in this pass');
    return { requeueAfterMs: 1_000 };
  }

  #report(autoscaler: HorizontalAutoscaler, d: Decision): void {
    const meta = autoscaler.metadata ?? {};
    const involved = {
      apiVersion: API_VERSION, kind: KIND, namespace: meta.namespace ?? 'default', name: meta.name ?? '',
      ...(meta.uid ? { uid: meta.uid } : {}), ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    };
    for (const e of d.events) this.#d.events.record(involved, e.type, e.reason, e.message);
  }

  /** Writes the status when its meaning changed; false when the object is gone. */
  async #writeStatus(key: string, persisted: HorizontalAutoscaler, status: HorizontalAutoscalerStatus, log: () => Logger): Promise<boolean> {
    if (jsonEqual(meaning(status), meaning(persisted.status))) return true;
    const ns = persisted.metadata?.namespace ?? 'default';
    const name = persisted.metadata?.name ?? '';
    try {
      // The status is replaced whole, so the stored status is exactly the engine's: no field of an
      // older decision survives (a merge patch would keep nested fields it does not mention).
      await this.#d.http.jsonPatch(statusPath(ns, name), [{ op: 'add', path: '/status', value: status }], { fieldManager: 'kscale' });
      this.#written.set(key, { status, at: this.#now() });
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.notFound) { this.forget(key); return false; } // deleted during the pass
      log().error({ err: e }, 'status update failed');
      this.#d.events.record({ apiVersion: API_VERSION, kind: KIND, namespace: ns, name, ...(persisted.metadata?.uid ? { uid: persisted.metadata.uid } : {}) },
        'Warning', 'FailedUpdateStatus', (e as Error).message);
      throw e;
    }
  }

  #observe(namespace: string, name: string, d: Decision): void {
    const m = this.#d.metrics;
    m.desiredReplicas.set({ namespace, name }, d.desiredReplicas);
    if (d.currentReplicas !== undefined) m.currentReplicas.set({ namespace, name }, d.currentReplicas);
    m.minReplicas.set({ namespace, name }, d.explanation.minReplicas);
    m.maxReplicas.set({ namespace, name }, d.explanation.maxReplicas);
    if (d.explanation.safetyGate) m.safetyGateTrips.inc({ gate: d.explanation.safetyGate.gate });
    const inFallback = d.explanation.metrics.filter((x) => x.fallback).length;
    if (inFallback > 0 || d.status.metricHistory) m.fallbackActive.set({ namespace, name }, inFallback);
    for (const metric of d.explanation.metrics) {
      const current = numeric(metric.detail?.current);
      const target = numeric(metric.detail?.target);
      if (current !== undefined) m.metricValue.set({ namespace, name, metric: metric.name }, current);
      if (target !== undefined) m.metricTarget.set({ namespace, name, metric: metric.name }, target);
    }
    // The metric computation outcome, per metric type, as upstream counts it.
    for (const metric of d.explanation.metrics) {
      m.metricComputations.inc({ action: d.scaleTo === null ? 'none' : d.scaleTo > (d.currentReplicas ?? 0) ? 'scale_up' : 'scale_down', error: metric.error ? 'internal' : 'none', metric_type: metric.type });
    }
  }
}
