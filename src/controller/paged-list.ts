// An informer's initial list in pages of a few hundred objects, each page slimmed as it arrives
// (strip.ts), so that a controller starting in a large cluster never holds the whole unslimmed list
// at once: at 6,000 pods one unpaged LIST held about 60 MiB of JSON and parsed objects for a moment,
// the process's peak RSS. The API server serves every page from the same snapshot (the continue
// token); the list's resourceVersion, where the watch starts, is the first page's.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

export const PAGE_SIZE = 500;

export async function listInPages<T extends KubernetesObject>(
  get: (query: Record<string, string>) => Promise<KubernetesListObject<T>>,
  slim?: (o: T) => void,
  limit = PAGE_SIZE,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let first: KubernetesListObject<T> | undefined;
  let next: string | undefined;
  do {
    const page = await get({ limit: String(limit), ...(next ? { continue: next } : {}) });
    first ??= page;
    for (const o of page.items) { slim?.(o); items.push(o); }
    // Raw JSON says `continue` (client-node's type names it `_continue`, for its serializer).
    next = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
  } while (next);
  return { ...first, items, metadata: { ...(first.metadata?.resourceVersion ? { resourceVersion: first.metadata.resourceVersion } : {}) } };
}
