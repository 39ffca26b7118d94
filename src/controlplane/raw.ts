// Raw GETs through the apiserver with the kubeconfig's credentials, for paths the typed clients
// cannot build (custom metrics: CustomObjectsApi would encode the "/" in "pods/*"). undici's own
// fetch, because Node's global fetch rejects client-node's dispatcher.
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';

export class RawHttpError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(path: string, status: number, body: string) {
    super(`GET ${path}: HTTP ${String(status)}: ${body.slice(0, 300)}`);
    this.name = 'RawHttpError';
    this.status = status;
    this.body = body;
  }
}

/** GET `path` (already URL-encoded by the caller) from the kubeconfig's current server; JSON-decoded answer. */
export async function getJson(kc: KubeConfig, path: string, query: Record<string, string> = {}, timeoutMs = 10_000): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const res = await fetch(url, {
    headers: { ...ctx.getHeaders(), Accept: 'application/json' },
    dispatcher: ctx.getDispatcher(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new RawHttpError(path, res.status, text);
  return JSON.parse(text) as unknown;
}
