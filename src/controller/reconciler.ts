// One pass for one HorizontalAutoscaler: re-read state, gather a snapshot, decide (the pure engine),
// act (patch /scale), report (status only when it changed, Events, metrics, one log line).
// Level-based: the key is all it gets; nothing but the status carries state between passes.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ControllerDefaults } from '../api/defaults.ts';
import { API_VERSION, KIND, PLURAL, GROUP, VERSION, type HorizontalAutoscaler, type HorizontalAutoscalerStatus } from '../api/types.ts';
import { decide } from '../engine/decide.ts';
import { approximateFloat64, isQuantity, parseQuantity } from '../engine/quantity.ts';
import type { Decision } from '../engine/snapshot.ts';
import type { EventRecorder } from '../kube/events.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';
import type { ScaleClient } from '../kube/scale.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import { targetConflicts, type HpaLike } from './conflicts.ts';
import { gather, type GatherSources } from './gather.ts';

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
  autoscalers: (namespace: string) => readonly HorizontalAutoscaler[];
  hpas: (namespace: string) => readonly HpaLike[];
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

// lastDecision.time changes every pass; it alone is no reason to write.
function withoutDecisionTime(s: HorizontalAutoscalerStatus | undefined): unknown {
  if (!s) return {};
  const { lastDecision, ...rest } = s;
  if (!lastDecision) return rest;
  const { time: _time, ...decision } = lastDecision;
  return { ...rest, lastDecision: decision };
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  readonly #now: () => number;
  /** Our last written status per key: the cache may not have seen it yet at the next pass. */
  readonly #written = new Map<string, HorizontalAutoscalerStatus>();
  /** When each key is next due, to measure evaluation lag. */
  readonly #due = new Map<string, number>();

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
  }

  forget(key: string): void {
    this.#written.delete(key);
    this.#due.delete(key);
    const [ns = '', name = ''] = key.split('/');
    this.#d.metrics.forget(ns, name);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.#d.autoscaler(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp) { this.forget(key); return {}; }
    const log = this.#d.logger.child({ namespace, name, reconcileID: randomUUID().slice(0, 8) });
    const started = performance.now();
    const now = this.#now();
    const due = this.#due.get(key);
    if (due !== undefined) this.#d.metrics.evaluationLag.observe(Math.max(0, now - due) / 1000);

    const autoscaler = this.#withFreshestStatus(key, cached);
    let action = 'none';
    let errorKind = 'none';
    try {
      const { snapshot, scaleRead } = await gather(this.#d.sources, autoscaler, now);
      snapshot.targetConflicts = targetConflicts(autoscaler, this.#d.autoscalers(namespace), this.#d.hpas(namespace));
      // The controller-wide defaults (--tolerance, --downscale-stabilization, ...) the engine applies
      // where the object does not set its own.
      snapshot.config = this.#d.config;
      let decision = decide(snapshot);
      if (decision.scaleTo !== null && scaleRead) {
        const from = decision.currentReplicas ?? 0;
        try {
          await this.#d.scales.update(scaleRead, decision.scaleTo);
          action = decision.scaleTo > from ? 'scale_up' : 'scale_down';
          this.#d.metrics.scaleEvents.inc({ namespace, name, direction: action === 'scale_up' ? 'up' : 'down' });
        } catch (e) {
          log.warn({ err: e }, 'scale update failed');
          decision = decide({ ...snapshot, rescaleError: (e as Error).message });
          errorKind = 'internal';
        }
      }
      if (decision.error && errorKind === 'none') errorKind = decision.explanation.limitedBy === 'invalidSpec' ? 'spec' : 'internal';
      this.#report(autoscaler, decision);
      await this.#writeStatus(key, autoscaler, decision.status, log);
      this.#observe(namespace, name, decision);
      log.info({
        current: decision.currentReplicas, desired: decision.desiredReplicas, scaledTo: decision.scaleTo, reason: decision.rescaleReason,
        limitedBy: decision.explanation.limitedBy, proposed: decision.explanation.proposed, ...(decision.error ? { error: decision.error } : {}),
      }, decision.scaleTo !== null ? 'scaled' : 'evaluated');
    } catch (e) {
      errorKind = 'internal';
      throw e;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.#d.metrics.reconciliations.inc({ action, error: errorKind });
      this.#d.metrics.reconciliationDuration.observe({ action, error: errorKind }, seconds);
    }
    const period = (autoscaler.spec.syncPeriodSeconds ?? this.#d.config.syncPeriodSeconds) * 1000;
    this.#due.set(key, this.#now() + period);
    return { requeueAfterMs: period };
  }

  /** Prefer our own last write when the cache has not caught up with it yet. */
  #withFreshestStatus(key: string, cached: HorizontalAutoscaler): HorizontalAutoscaler {
    const mine = this.#written.get(key);
    const theirs = cached.status?.lastDecision?.time;
    if (mine?.lastDecision && (!theirs || Date.parse(mine.lastDecision.time) > Date.parse(theirs))) {
      return { ...cached, status: mine };
    }
    return cached;
  }

  #report(autoscaler: HorizontalAutoscaler, d: Decision): void {
    const meta = autoscaler.metadata ?? {};
    const involved = {
      apiVersion: API_VERSION, kind: KIND, namespace: meta.namespace ?? 'default', name: meta.name ?? '',
      ...(meta.uid ? { uid: meta.uid } : {}), ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
    };
    for (const e of d.events) this.#d.events.record(involved, e.type, e.reason, e.message);
  }

  async #writeStatus(key: string, autoscaler: HorizontalAutoscaler, status: HorizontalAutoscalerStatus, log: Logger): Promise<void> {
    if (isDeepStrictEqual(withoutDecisionTime(status), withoutDecisionTime(autoscaler.status))) return;
    const ns = autoscaler.metadata?.namespace ?? 'default';
    const name = autoscaler.metadata?.name ?? '';
    // Merge patch replaces lists whole; fields we no longer report are removed with null.
    const removed = Object.fromEntries(Object.keys(autoscaler.status ?? {}).filter((k) => !(k in status)).map((k) => [k, null]));
    try {
      await this.#d.http.mergePatch(statusPath(ns, name), { status: { ...removed, ...status } }, { fieldManager: 'kscale' });
      this.#written.set(key, status);
    } catch (e) {
      const msg = (e as Error).message;
      log.error({ err: e }, 'status update failed');
      this.#d.events.record({ apiVersion: API_VERSION, kind: KIND, namespace: ns, name, ...(autoscaler.metadata?.uid ? { uid: autoscaler.metadata.uid } : {}) },
        'Warning', 'FailedUpdateStatus', msg);
      throw e;
    }
  }

  #observe(namespace: string, name: string, d: Decision): void {
    const m = this.#d.metrics;
    m.desiredReplicas.set({ namespace, name }, d.desiredReplicas);
    if (d.currentReplicas !== undefined) m.currentReplicas.set({ namespace, name }, d.currentReplicas);
    m.minReplicas.set({ namespace, name }, d.explanation.minReplicas);
    m.maxReplicas.set({ namespace, name }, d.explanation.maxReplicas);
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
