// Caches of the workloads autoscalers target (apps/v1 Deployments, ReplicaSets, StatefulSets), kept
// to what decisions need: whose pods are whose (selectionStrategy: OwnerReference), whether a target
// is rolling out (spec.rollout), and — for a later reader — the current scale without a GET /scale
// (issue 11 item 5). Objects are slimmed as they arrive, into fresh small objects (see strip.ts).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResilientInformer } from './informer.ts';

/** An owner reference as kept: enough to follow a chain by uid and to say what it points to. */
export interface OwnerRef { uid: string; kind: string; name: string; controller?: boolean }

/** Metadata as kept for a workload. */
export interface WorkloadMeta {
  name: string;
  namespace: string;
  uid: string;
  /** Kept: the informer compares it to tell an update from a relist of the same object. */
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  ownerReferences?: OwnerRef[];
  /** Only deployment.kubernetes.io/revision: it tells a Deployment's new ReplicaSet from the old ones. */
  annotations?: Record<string, string>;
}

export interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /** StatefulSets: the revision pods are being moved to, and the one they come from. */
  currentRevision?: string;
  updateRevision?: string;
}

/** A Deployment, ReplicaSet or StatefulSet as the caches keep it. */
export interface Workload {
  kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet';
  metadata: WorkloadMeta;
  spec: { replicas?: number; selector?: unknown; paused?: boolean };
  status: WorkloadStatus;
}

/** The annotation the Deployment controller sets on a Deployment and on each of its ReplicaSets. */
export const REVISION = 'deployment.kubernetes.io/revision';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const defined = <T extends Obj>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** A fresh, small object with what decisions read of a Deployment, ReplicaSet or StatefulSet. */
export function slimWorkload(kind: Workload['kind'], o: unknown): Workload {
  const src = isObj(o) ? o : {};
  const m = isObj(src.metadata) ? src.metadata : {};
  const spec = isObj(src.spec) ? src.spec : {};
  const status = isObj(src.status) ? src.status : {};
  const owners = Array.isArray(m.ownerReferences)
    ? m.ownerReferences.filter(isObj).map((r) => defined({ uid: str(r.uid) ?? '', kind: str(r.kind) ?? '', name: str(r.name) ?? '', controller: r.controller === true ? true : undefined }))
    : undefined;
  const revision = isObj(m.annotations) ? str(m.annotations[REVISION]) : undefined;
  return {
    kind,
    metadata: defined({
      name: str(m.name) ?? '', namespace: str(m.namespace) ?? '', uid: str(m.uid) ?? '', resourceVersion: str(m.resourceVersion), generation: num(m.generation),
      creationTimestamp: str(m.creationTimestamp), ownerReferences: owners && owners.length > 0 ? owners : undefined,
      annotations: revision !== undefined ? { [REVISION]: revision } : undefined,
    }),
    spec: defined({ replicas: num(spec.replicas), selector: spec.selector, paused: spec.paused === true ? true : undefined }),
    status: defined({
      observedGeneration: num(status.observedGeneration), replicas: num(status.replicas), updatedReplicas: num(status.updatedReplicas),
      readyReplicas: num(status.readyReplicas), availableReplicas: num(status.availableReplicas),
      currentRevision: str(status.currentRevision), updateRevision: str(status.updateRevision),
    }),
  };
}

/** Read access to the workload caches (the engine's inputs are built from this; tests pass maps). */
export interface WorkloadLookup {
  deployment(namespace: string, name: string): Workload | undefined;
  statefulSet(namespace: string, name: string): Workload | undefined;
  replicaSet(namespace: string, name: string): Workload | undefined;
  /** ReplicaSets with an ownerReference to this uid (a Deployment's, or any other owner's). */
  replicaSetsOwnedBy(namespace: string, ownerUid: string): readonly Workload[];
}

/** Per namespace, the informers of one resource (the manager's Caches: one over all namespaces or one per namespace). */
export interface WorkloadCache {
  readonly informers: ResilientInformer<KubernetesObject>[];
  get(namespace: string, name: string): KubernetesObject | undefined;
  readonly synced: boolean;
}

/**
 * The three caches and an index of ReplicaSets by owner uid, kept current from the informer events
 * (a scan of a namespace's ReplicaSets per evaluation would grow with the namespace).
 */
export class WorkloadCaches implements WorkloadLookup {
  readonly #deployments: WorkloadCache;
  readonly #replicaSets: WorkloadCache;
  readonly #statefulSets: WorkloadCache;
  /** namespace/ownerUid → ReplicaSet names. */
  readonly #byOwner = new Map<string, Set<string>>();
  /** namespace/name → owner uids the ReplicaSet was indexed under. */
  readonly #owners = new Map<string, string[]>();

  constructor(make: (kind: Workload['kind'], resource: string) => WorkloadCache) {
    this.#deployments = make('Deployment', 'deployments');
    this.#replicaSets = make('ReplicaSet', 'replicasets');
    this.#statefulSets = make('StatefulSet', 'statefulsets');
    // First handlers of all: the caches keep only what decisions read (assigned in place, as strip.ts does).
    const slimming = (cache: WorkloadCache, kind: Workload['kind']): void => {
      const slim = (o: KubernetesObject): void => { slimWorkloadInPlace(kind, o); };
      for (const inf of cache.informers) { inf.on('add', slim); inf.on('update', slim); }
    };
    slimming(this.#deployments, 'Deployment');
    slimming(this.#replicaSets, 'ReplicaSet');
    slimming(this.#statefulSets, 'StatefulSet');
    for (const inf of this.#replicaSets.informers) {
      inf.on('add', (o) => { this.#index(o as unknown as Workload); });
      inf.on('update', (o) => { this.#index(o as unknown as Workload); });
      inf.on('delete', (o) => { this.#unindex(o.metadata?.namespace ?? '', o.metadata?.name ?? ''); });
    }
  }

  get informers(): ResilientInformer<KubernetesObject>[] {
    return [...this.#deployments.informers, ...this.#replicaSets.informers, ...this.#statefulSets.informers];
  }

  get synced(): boolean { return this.#deployments.synced && this.#replicaSets.synced && this.#statefulSets.synced; }

  deployment(namespace: string, name: string): Workload | undefined { return this.#deployments.get(namespace, name) as Workload | undefined; }
  statefulSet(namespace: string, name: string): Workload | undefined { return this.#statefulSets.get(namespace, name) as Workload | undefined; }
  replicaSet(namespace: string, name: string): Workload | undefined { return this.#replicaSets.get(namespace, name) as Workload | undefined; }

  replicaSetsOwnedBy(namespace: string, ownerUid: string): readonly Workload[] {
    const names = this.#byOwner.get(`${namespace}/${ownerUid}`);
    if (!names) return [];
    const out: Workload[] = [];
    for (const n of names) {
      const rs = this.replicaSet(namespace, n);
      if (rs?.metadata.ownerReferences?.some((r) => r.uid === ownerUid)) out.push(rs);
    }
    return out;
  }

  /** How many entries the owner index holds (the leak checks read it). */
  get indexed(): number { return this.#owners.size; }

  #index(rs: Workload): void {
    const { namespace, name } = rs.metadata;
    this.#unindex(namespace, name);
    const uids = (rs.metadata.ownerReferences ?? []).map((r) => r.uid).filter((u) => u !== '');
    if (uids.length === 0) return;
    this.#owners.set(`${namespace}/${name}`, uids);
    for (const uid of uids) {
      const key = `${namespace}/${uid}`;
      let set = this.#byOwner.get(key);
      if (!set) this.#byOwner.set(key, (set = new Set()));
      set.add(name);
    }
  }

  #unindex(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const uid of this.#owners.get(key) ?? []) {
      const set = this.#byOwner.get(`${namespace}/${uid}`);
      set?.delete(name);
      if (set?.size === 0) this.#byOwner.delete(`${namespace}/${uid}`);
    }
    this.#owners.delete(key);
  }
}

/** An informer's object made what the caches keep (assigned in place, as strip.ts does); apiVersion goes: the cache knows its resource. */
export function slimWorkloadInPlace(kind: Workload['kind'], o: KubernetesObject): void {
  Object.assign(o, slimWorkload(kind, { ...o }));
  delete o.apiVersion;
}
