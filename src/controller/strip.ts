// Informer caches hold only what decisions read (issue 11: memory). Each object is slimmed as it
// arrives (list or watch), before anything else sees it: the parts kept are copied into fresh, small
// objects and assigned back. Fresh objects, not `delete`: deleting properties turns a V8 object into
// a dictionary ("slow mode") object, which takes several times the memory of the same data.
import type { KubernetesObject } from '@kubernetes/client-node';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A new object with only the listed keys that `o` has (undefined when `o` is not an object). */
function pick(o: unknown, keys: readonly string[]): Obj | undefined {
  if (!isObj(o)) return undefined;
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

const list = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp'];
const OWNER = ['apiVersion', 'kind', 'name', 'uid', 'controller'];

function slimMetadata(m: unknown, keys: readonly string[] = METADATA): Obj | undefined {
  const out = pick(m, keys);
  if (!out) return undefined;
  if (isObj(out.annotations) && LAST_APPLIED in out.annotations) {
    const { [LAST_APPLIED]: _lastApplied, ...rest } = out.annotations;
    out.annotations = rest;
  }
  const owners = list(out.ownerReferences);
  if (owners) out.ownerReferences = owners.map((r) => pick(r, OWNER));
  return out;
}

/** Any object: managedFields and the last-applied annotation are never read. */
export function stripMetadata(obj: KubernetesObject): void {
  if (obj.metadata) obj.metadata = slimMetadata(obj.metadata);
}

const containers = (v: unknown, keys: readonly string[]): unknown[] | undefined =>
  list(v)?.map((c) => {
    const out = pick(c, keys) ?? {};
    if (isObj(out.resources)) out.resources = pick(out.resources, ['requests']);
    return out;
  });

/**
 * A pod as the engine reads it (engine/inputs.ts Pod): labels, owners and deletion; containers'
 * names and requests (init containers with their restart policy, for sidecars); pod-level requests
 * and overhead; phase, start time and the Ready condition (the only one the readiness rules read).
 */
export function stripPod(pod: KubernetesObject): void {
  const p = pod as Obj;
  // creationTimestamp: a rollout's surge pods are the youngest (rollout-state.ts).
  p.metadata = slimMetadata(p.metadata, [...METADATA.filter((k) => k !== 'annotations'), 'creationTimestamp']);
  const spec = pick(p.spec, ['containers', 'initContainers', 'resources', 'overhead']);
  if (spec) {
    const [main, init] = [containers(spec.containers, ['name', 'resources']), containers(spec.initContainers, ['name', 'resources', 'restartPolicy'])];
    if (main) spec.containers = main;
    if (init) spec.initContainers = init;
    if (spec.resources !== undefined) spec.resources = pick(spec.resources, ['requests']);
    p.spec = spec;
  }
  const status = pick(p.status, ['phase', 'startTime', 'conditions']);
  if (status) {
    const ready = list(status.conditions)?.filter((c) => isObj(c) && c.type === 'Ready').map((c) => pick(c, ['type', 'status', 'lastTransitionTime']));
    if (ready) status.conditions = ready;
    p.status = status;
  }
}

/** An HPA is read only for its target (the conflict check). */
export function stripHpa(hpa: KubernetesObject): void {
  const h = hpa as Obj;
  stripMetadata(hpa);
  h.spec = pick(h.spec, ['scaleTargetRef']);
  delete h.status; // the top level has a handful of keys: a slow-mode object here costs nothing
}
