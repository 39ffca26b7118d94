// Informer caches hold only what decisions read (issue 11: memory). The fields are removed in place
// from the object the cache stores, as it arrives (list or watch), before anything else sees it.
import type { KubernetesObject } from '@kubernetes/client-node';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deletes every key of `o` not listed. */
function keepOnly(o: unknown, keys: readonly string[]): void {
  if (!isObj(o)) return;
  for (const k of Object.keys(o)) if (!keys.includes(k)) Reflect.deleteProperty(o, k);
}

const METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp'];

/** Any object: managedFields and the last-applied annotation are never read. */
export function stripMetadata(obj: KubernetesObject): void {
  const m = obj.metadata as Obj | undefined;
  keepOnly(m, METADATA);
  const annotations = m?.annotations;
  if (isObj(annotations)) delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
}

function stripContainers(list: unknown, keys: readonly string[]): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    keepOnly(c, keys);
    if (isObj(c)) keepOnly(c.resources, ['requests']);
  }
}

/**
 * A pod as the engine reads it (engine/inputs.ts Pod): labels, owners and deletion; containers'
 * names and requests (init containers with their restart policy, for sidecars); pod-level requests
 * and overhead; phase, start time and conditions.
 */
export function stripPod(pod: KubernetesObject): void {
  stripMetadata(pod);
  const p = pod as Obj;
  delete (p.metadata as Obj | undefined)?.annotations;
  keepOnly(p.spec, ['containers', 'initContainers', 'resources', 'overhead']);
  if (isObj(p.spec)) {
    stripContainers(p.spec.containers, ['name', 'resources']);
    stripContainers(p.spec.initContainers, ['name', 'resources', 'restartPolicy']);
    keepOnly(p.spec.resources, ['requests']);
  }
  keepOnly(p.status, ['phase', 'startTime', 'conditions']);
  if (isObj(p.status) && Array.isArray(p.status.conditions)) for (const c of p.status.conditions) keepOnly(c, ['type', 'status', 'lastTransitionTime']);
}

/** An HPA is read only for its target (the conflict check). */
export function stripHpa(hpa: KubernetesObject): void {
  stripMetadata(hpa);
  const h = hpa as Obj;
  delete h.status;
  keepOnly(h.spec, ['scaleTargetRef']);
}
