// Lint checks that need other objects than the autoscaler: its target's pods, the namespace's
// ResourceQuotas, VerticalPodAutoscalers. Pure: the controller passes what its caches hold, and
// `kscale lint --live` what it read. Messages name no counts or pod names that change as the workload
// scales, so that the controller reports a finding once, not at every scale.
import type { CrossVersionObjectReference, HorizontalAutoscalerSpec } from '../api/types.ts';
import { isIgnored, podRequest } from '../engine/pods.ts';
import type { Pod } from '../engine/inputs.ts';
import { isQuantity, parseQuantity, value } from '../values/quantity.ts';
import type { Finding } from './finding.ts';

export interface OwnerReference { apiVersion?: string; kind?: string; name?: string; controller?: boolean }
/** A pod as the engine reads it; its ownerReferences tell whose it is. */
export type LintPod = Pod;

export interface ResourceQuotaLike {
  metadata?: { name?: string; namespace?: string };
  spec?: { hard?: Record<string, string | number>; scopes?: readonly string[]; scopeSelector?: unknown };
}

export interface VpaLike {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: unknown };
  spec?: {
    targetRef?: { apiVersion?: string; kind?: string; name?: string };
    updatePolicy?: { updateMode?: string };
    resourcePolicy?: { containerPolicies?: readonly { containerName?: string; mode?: string; controlledResources?: readonly string[] }[] };
  };
}

export interface RuntimeInputs {
  /** The pods the target's selector picks (undefined: not known, the pod checks are skipped). */
  pods?: readonly LintPod[];
  /** The namespace's ResourceQuotas. */
  quotas?: readonly ResourceQuotaLike[];
  /** The namespace's VerticalPodAutoscalers (empty when their CRD is not installed). */
  vpas?: readonly VpaLike[];
}

const warning = (check: string, path: string, message: string): Finding => ({ check, severity: 'warning', path, message });
const groupOf = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0] ?? '' : '');

/** Two references name one workload when group, kind and name agree (the version does not matter). */
export function sameWorkload(a: { apiVersion?: string; kind?: string; name?: string }, b: CrossVersionObjectReference): boolean {
  return groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.name === b.name;
}

const listed = (items: readonly string[], max = 4): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${String(items.length - max)} more`;

// ---- SelectorMatchesOtherPods ---------------------------------------------------------------------

const controllerOf = (p: LintPod): OwnerReference | undefined => p.metadata.ownerReferences?.find((o) => o.controller === true);

/**
 * Whether the target owns the pod: its controller is the target itself (StatefulSet, ReplicaSet, ...),
 * or a ReplicaSet named <target>-<pod-template-hash>, as a Deployment (or an Argo Rollout) names its
 * ReplicaSets. Read from the pod alone: the ReplicaSet's own ownerReference is not consulted.
 */
export function ownedBy(p: LintPod, target: CrossVersionObjectReference): boolean {
  const owner = controllerOf(p);
  if (!owner) return false;
  if (sameWorkload(owner, target)) return true;
  const hash = p.metadata.labels?.['pod-template-hash'];
  return owner.kind === 'ReplicaSet' && groupOf(owner.apiVersion) === 'apps' && hash !== undefined && owner.name === `${target.name}-${hash}`;
}

function selectorMatchesOtherPods(spec: HorizontalAutoscalerSpec, pods: readonly LintPod[]): Finding[] {
  const ref = spec.scaleTargetRef;
  const others = new Set<string>();
  for (const p of pods) {
    if (p.metadata.deletionTimestamp || ownedBy(p, ref)) continue;
    const owner = controllerOf(p);
    others.add(owner ? `${owner.kind ?? '?'}/${owner.name ?? '?'}` : 'pods without an owner');
  }
  if (others.size === 0) return [];
  return [warning('SelectorMatchesOtherPods', 'spec.scaleTargetRef',
    `the selector of ${ref.kind}/${ref.name} also picks pods it does not own (${listed([...others].sort())}): they count in every metric and can hold the replica count up`)];
}

// ---- UtilizationWithoutRequests -------------------------------------------------------------------

function utilizationWithoutRequests(spec: HorizontalAutoscalerSpec, pods: readonly LintPod[]): Finding[] {
  const out: Finding[] = [];
  (spec.metrics ?? []).forEach((m, i) => {
    const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    // With both set the raw value wins (upstream's precedence); validation refuses both anyway.
    if (!src || src.target.averageUtilization === undefined || src.target.averageValue !== undefined) return;
    const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    const missing = new Set<string>();
    for (const p of pods) {
      if (isIgnored(p)) continue;
      try { podRequest(p, src.name, container); } catch {
        const named = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')]
          .filter((c) => (container === undefined || c.name === container) && c.resources?.requests?.[src.name] === undefined)
          .map((c) => `container ${c.name}`);
        for (const n of named.length > 0 ? named : ['pod-level resources']) missing.add(n);
      }
    }
    if (missing.size === 0) return;
    const member = m.type === 'Resource' ? 'resource' : 'containerResource';
    out.push(warning('UtilizationWithoutRequests', `spec.metrics[${String(i)}].${member}.target.averageUtilization`,
      `a Utilization target is a percentage of the pods' ${src.name} requests, but ${listed([...missing].sort())} of the target's pods request no ${src.name}: the metric cannot be computed`));
  });
  return out;
}

// ---- MaxReplicasAboveQuota ------------------------------------------------------------------------

function maxReplicasAboveQuota(spec: HorizontalAutoscalerSpec, quotas: readonly ResourceQuotaLike[]): Finding[] {
  const out: Finding[] = [];
  for (const q of quotas) {
    // A scoped quota counts only some pods (BestEffort, a priority class, ...): it proves nothing here.
    if ((q.spec?.scopes?.length ?? 0) > 0 || q.spec?.scopeSelector) continue;
    for (const key of ['pods', 'count/pods']) {
      const hard = q.spec?.hard?.[key];
      if (hard === undefined || !isQuantity(hard)) continue;
      const limit = value(parseQuantity(hard));
      if (BigInt(spec.maxReplicas) > limit) {
        out.push(warning('MaxReplicasAboveQuota', 'spec.maxReplicas',
          `maxReplicas ${String(spec.maxReplicas)} is above the ${key} limit ${String(limit)} of ResourceQuota ${q.metadata?.name ?? ''}: the namespace can never run that many pods`));
      }
    }
  }
  return out;
}

// ---- VerticalPodAutoscalerConflict ----------------------------------------------------------------
// A VPA that applies its recommendations (Auto, Recreate, InPlaceOrRecreate; Auto when unset) changes
// the requests of the resource our metric reads: a Utilization target moves with them and the two
// autoscalers answer the same load twice. Off and Initial leave running pods alone.

const APPLYING = new Set(['Auto', 'Recreate', 'InPlaceOrRecreate']);

/** Whether the VPA controls `resource` for `container` (any container when undefined). */
function controls(vpa: VpaLike, resource: string, container: string | undefined): boolean {
  const policies = vpa.spec?.resourcePolicy?.containerPolicies ?? [];
  const on = (p: { mode?: string; controlledResources?: readonly string[] } | undefined): boolean =>
    (p?.mode ?? 'Auto') !== 'Off' && (p?.controlledResources ?? ['cpu', 'memory']).includes(resource);
  const fallback = policies.find((p) => p.containerName === '*');
  if (container !== undefined) return on(policies.find((p) => p.containerName === container) ?? fallback);
  // Any container: a named policy, or the default one (the '*' policy, else VPA's own default) for the others.
  return policies.some((p) => p.containerName !== '*' && on(p)) || on(fallback);
}

function vpaConflict(spec: HorizontalAutoscalerSpec, vpas: readonly VpaLike[]): Finding[] {
  const out: Finding[] = [];
  const mine = vpas.filter((v) => !v.metadata?.deletionTimestamp && v.spec?.targetRef && sameWorkload(v.spec.targetRef, spec.scaleTargetRef)
    && APPLYING.has(v.spec.updatePolicy?.updateMode ?? 'Auto'));
  (spec.metrics ?? []).forEach((m, i) => {
    const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    if (!src) return;
    const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    for (const v of mine) {
      if (!controls(v, src.name, container)) continue;
      out.push(warning('VerticalPodAutoscalerConflict', `spec.metrics[${String(i)}]`,
        `VerticalPodAutoscaler ${v.metadata?.name ?? ''} (updateMode ${v.spec?.updatePolicy?.updateMode ?? 'Auto'}) also sets the ${src.name} requests of `
        + `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}: the two autoscalers act on the same ${src.name} usage and fight`));
    }
  });
  return out;
}

/** The findings that need other objects; a check whose input is unknown is skipped. */
export function lintRuntime(spec: HorizontalAutoscalerSpec, inputs: RuntimeInputs): Finding[] {
  return [
    ...(inputs.pods ? [...utilizationWithoutRequests(spec, inputs.pods), ...selectorMatchesOtherPods(spec, inputs.pods)] : []),
    ...(inputs.quotas ? maxReplicasAboveQuota(spec, inputs.quotas) : []),
    ...(inputs.vpas ? vpaConflict(spec, inputs.vpas) : []),
  ];
}
