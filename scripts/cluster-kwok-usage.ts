// `npm run cluster:up` in the kwok mode: metrics.k8s.io is then served by the real metrics-server
// scraping kwok, so the pod usage entries of `kscale dev metrics` (cpu=, memory=) become kwok's
// usage annotations on the matching pods (kwok-usage.ts) instead of fake values; custom and external
// metrics stay on the fake metrics APIs. metrics-server shows a change after its next scrapes.
import type { V1Pod } from '@kubernetes/client-node';
import { podsOf, type DevMetrics } from '../src/cli/dev.ts';
import { USAGE_ANNOTATIONS, type PodUsageValues } from '../src/controlplane/index.ts';

const key = (namespace: string, pod: string): string => `${namespace}/${pod}`;

/** Namespaces whose pods must be listed: those of the entries, and those of pods annotated before. */
export function usageNamespaces(d: DevMetrics, annotated: ReadonlySet<string>): string[] {
  return [...new Set([...d.pods.map((p) => p.namespace), ...[...annotated].map((k) => k.split('/')[0] ?? '')])].sort();
}

/**
 * Usage wanted per existing "namespace/pod". kwok's annotations are per pod and apply to every
 * container, so a pod with entries for several containers gets the last one's values.
 */
export function wantedUsage(d: DevMetrics, pods: ReadonlyMap<string, readonly string[]>): Map<string, PodUsageValues> {
  const wanted = new Map<string, PodUsageValues>();
  for (const p of d.pods) {
    const existing = new Set(pods.get(p.namespace) ?? []);
    for (const pod of podsOf(p.namespace, p.pod, pods).filter((name) => existing.has(name))) {
      wanted.set(key(p.namespace, pod), { ...(p.cpu !== undefined ? { cpu: p.cpu } : {}), ...(p.memory !== undefined ? { memory: p.memory } : {}) });
    }
  }
  return wanted;
}

export interface UsagePatch { namespace: string; pod: string; annotations: Record<string, string | null> }

/**
 * Merge patches that bring the pods' usage annotations to `wanted`. Pods in `annotated` (set by an
 * earlier round) that are no longer wanted lose theirs (null), so kwok's default usage applies
 * again; annotations nobody here set are left alone.
 */
export function usagePatches(wanted: ReadonlyMap<string, PodUsageValues>, pods: readonly V1Pod[], annotated: ReadonlySet<string>): UsagePatch[] {
  const patches: UsagePatch[] = [];
  for (const p of pods) {
    const namespace = p.metadata?.namespace ?? ''; const pod = p.metadata?.name ?? '';
    const current = p.metadata?.annotations ?? {};
    const want = wanted.get(key(namespace, pod));
    if (!want && !annotated.has(key(namespace, pod))) continue;
    const annotations: Record<string, string | null> = {};
    for (const r of ['cpu', 'memory'] as const) {
      const value = want?.[r] ?? null;
      const name = USAGE_ANNOTATIONS[r];
      if ((current[name] ?? null) !== value) annotations[name] = value;
    }
    if (Object.keys(annotations).length > 0) patches.push({ namespace, pod, annotations });
  }
  return patches;
}
