// Finding and changing a workload's scale: scaleTargetRef → (discovery) → /scale subresource.
// Works for Deployments, ReplicaSets, StatefulSets and any resource that has a scale subresource.
import type { CrossVersionObjectReference } from '../api/types.ts';
import type { Scale } from '../engine/inputs.ts';
import { KubeApiError } from './errors.ts';
import { pathOf, type KubeHttp } from './http.ts';

interface APIResource { name: string; kind: string; namespaced: boolean }
interface APIResourceList { resources?: APIResource[] }

export interface ResolvedResource {
  /** "/apis/apps/v1" or "/api/v1". */
  base: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  /** "deployments.apps" (or "services" in the core group), as the custom metrics API names it. */
  groupResource: string;
  namespaced: boolean;
  scalable: boolean;
}

const REFRESH_MS = 60_000;

/** Discovery of resources per group/version, cached, refreshed on a miss at most once a minute. */
export class Discovery {
  readonly #http: KubeHttp;
  readonly #cache = new Map<string, { at: number; list: APIResource[] }>();
  readonly #now: () => number;
  constructor(http: KubeHttp, now: () => number = Date.now) { this.#http = http; this.#now = now; }

  async resolve(apiVersion: string | undefined, kind: string): Promise<ResolvedResource> {
    if (!apiVersion) throw new KubeApiError(`apiVersion is required to find kind ${kind}`, undefined, 'Invalid', false);
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
    // Each part is one escaped path segment: an apiVersion such as "apps/v1?watch=true" must not
    // turn into a query, nor "../.." into another path.
    const base = group === '' ? `/api${pathOf(version)}` : `/apis${pathOf(group, version)}`;
    let list = await this.#list(base, false);
    let found = list.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) { list = await this.#list(base, true); found = list.find((r) => r.kind === kind && !r.name.includes('/')); }
    if (!found) throw new KubeApiError(`no kind "${kind}" is registered for version "${apiVersion}"`, 404, 'NotFound', false);
    const resource = found.name;
    return {
      base, resource, namespaced: found.namespaced,
      groupResource: group === '' ? resource : `${resource}.${group}`,
      scalable: list.some((r) => r.name === `${resource}/scale`),
    };
  }

  async #list(base: string, refresh: boolean): Promise<APIResource[]> {
    const cached = this.#cache.get(base);
    if (cached && (!refresh || this.#now() - cached.at < REFRESH_MS)) return cached.list;
    try {
      const list = (await this.#http.get<APIResourceList>(base)).resources ?? [];
      this.#cache.set(base, { at: this.#now(), list });
      return list;
    } catch (e) {
      if (e instanceof KubeApiError && e.notFound) throw new KubeApiError(`the server does not serve ${decodeURIComponent(base.replace(/^\/apis?\//, ''))}`, 404, 'NotFound', false);
      throw e;
    }
  }
}

export interface ScaleRead {
  scale: Scale;
  path: string;
  /** Built from an informer cache, not read from the API server: re-read before an update (cached-scale.ts). */
  cached?: boolean;
}

export class ScaleClient {
  readonly #http: KubeHttp;
  readonly #discovery: Discovery;
  constructor(http: KubeHttp, discovery: Discovery) { this.#http = http; this.#discovery = discovery; }

  async pathFor(namespace: string, ref: CrossVersionObjectReference): Promise<string> {
    const r = await this.#discovery.resolve(ref.apiVersion, ref.kind);
    if (!r.scalable) {
      throw new KubeApiError(`${ref.kind} (${ref.apiVersion ?? ''}) has no scale subresource; scaleTargetRef must name a kind that has one ` +
        '(Deployment, ReplicaSet, StatefulSet, or a custom resource with a scale subresource)', 404, 'NoScaleSubresource', false);
    }
    return `${r.base}${r.namespaced ? pathOf('namespaces', namespace) : ''}${pathOf(r.resource, ref.name, 'scale')}`;
  }

  async get(namespace: string, ref: CrossVersionObjectReference): Promise<ScaleRead> {
    const path = await this.pathFor(namespace, ref);
    return { scale: await this.#http.get<Scale>(path), path };
  }

  /**
   * Sets spec.replicas with the resourceVersion just read, as upstream does; on a conflict the
   * scale is read again and the update retried (up to 5 attempts in all).
   */
  async update(read: ScaleRead, replicas: number): Promise<Scale> {
    // A cached scale may lag the API server: the update carries a resourceVersion read from it.
    let current = read.cached ? await this.#http.get<Scale>(read.path) : read.scale;
    for (let attempt = 1; ; attempt++) {
      const body = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: current.metadata, spec: { ...current.spec, replicas } };
      try {
        return await this.#http.put<Scale>(read.path, body);
      } catch (e) {
        if (!(e instanceof KubeApiError && e.conflict) || attempt >= 5) throw e;
        current = await this.#http.get<Scale>(read.path);
      }
    }
  }
}
