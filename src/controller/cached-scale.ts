// The current scale of a Deployment, ReplicaSet or StatefulSet read from the workload caches instead
// of a GET of its /scale subresource (issue 11: one request less per evaluation). The object is built
// exactly as the API server builds it (pkg/registry/apps/*/storage scaleFrom*: name, namespace, uid,
// resourceVersion; spec.replicas; status.replicas and the selector as LabelSelectorAsSelector(...)
// .String()), so a decision cannot tell the two apart. The reconciler still reads /scale from the API
// server before it changes anything (a cache may lag a write made elsewhere), and other kinds are
// always read with a GET.
import type { CrossVersionObjectReference } from '../api/types.ts';
import type { Scale } from '../engine/inputs.ts';
import { labelSelectorToString, type LabelSelector } from '../values/labels.ts';
import type { Workload, WorkloadLookup } from './workloads.ts';

/** The selector string per cached object: objects are replaced on every update, so this never goes stale. */
const selectors = new WeakMap<Workload, string | null>();

function selectorOf(w: Workload): string | undefined {
  let s = selectors.get(w);
  if (s === undefined) {
    try { s = labelSelectorToString(w.spec.selector as LabelSelector | undefined); } catch { s = null; }
    selectors.set(w, s);
  }
  return s ?? undefined;
}

/** What the API server's GET …/scale would return for this workload (undefined: its selector does not convert). */
export function scaleOfWorkload(w: Workload): Scale | undefined {
  const selector = selectorOf(w);
  if (selector === undefined) return undefined; // the API server answers an error here: let the GET say it
  const { name, namespace, uid, resourceVersion } = w.metadata;
  const replicas = w.spec.replicas ?? 0;
  return {
    metadata: { name, namespace, uid, ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
    // ScaleSpec.replicas is omitempty; ScaleStatus.replicas is not.
    spec: replicas !== 0 ? { replicas } : {},
    status: { replicas: w.status.replicas ?? 0, selector },
  };
}

/** The cached scale of a target of kind Deployment, ReplicaSet or StatefulSet in apps/v1; undefined for anything else or a cache miss. */
export function cachedScale(lookup: WorkloadLookup & { readonly synced: boolean }, namespace: string, ref: CrossVersionObjectReference): Scale | undefined {
  if (ref.apiVersion !== 'apps/v1' || !lookup.synced) return undefined;
  const w = ref.kind === 'Deployment' ? lookup.deployment(namespace, ref.name)
    : ref.kind === 'StatefulSet' ? lookup.statefulSet(namespace, ref.name)
      : ref.kind === 'ReplicaSet' ? lookup.replicaSet(namespace, ref.name) : undefined;
  return w ? scaleOfWorkload(w) : undefined;
}
