// applyYaml: create-or-update every document of a multi-document YAML as admin, with server-side
// apply (one call whatever exists already; works for CRDs, RBAC and custom resources alike).
// Documents are sent as they are: client-node's typed serializer would drop schema extensions such
// as x-kubernetes-validations and x-kubernetes-int-or-string from a CRD.
// A CRD is waited on until Established, so custom resources later in the same YAML can be applied.
import { ApiextensionsV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeApiError } from '../kube/errors.ts';
import { KubeHttp, pathOf } from '../kube/http.ts';
import { Discovery } from '../kube/scale.ts';
import { makeClient } from './clients.ts';
import { pollUntil, sleep } from './wait.ts';

const FIELD_MANAGER = 'kscale-controlplane';

function parseDocs(yamlText: string): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`applyYaml: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document (e.g. a trailing ---)
    const o = obj as KubernetesObject;
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new Error('applyYaml: every document needs apiVersion, kind and metadata.name');
    }
    out.push(o);
  }
  return out;
}

/** Errors that mean "the API is not there yet" (a CRD's discovery lags its creation) or are transient. */
function retryable(err: unknown): boolean {
  const code = err instanceof KubeApiError ? err.code : undefined;
  return code === 404 || code === 429 || (code !== undefined && code >= 500);
}

export async function applyYaml(kc: KubeConfig, yamlText: string, timeoutMs = 30_000): Promise<void> {
  const objects = parseDocs(yamlText);
  const ext = makeClient(kc, ApiextensionsV1Api);
  const http = new KubeHttp({ kubeConfig: kc, timeoutMs: 15_000 });
  for (const obj of objects) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        // A fresh Discovery per attempt: a CRD created just before is not in an older answer.
        const r = await new Discovery(http).resolve(obj.apiVersion, obj.kind ?? '');
        const ns = r.namespaced ? pathOf('namespaces', obj.metadata?.namespace ?? 'default') : '';
        await http.request('PATCH', `${r.base}${ns}${pathOf(r.resource, obj.metadata?.name ?? '')}`, {
          body: obj, contentType: 'application/apply-patch+yaml', query: { fieldManager: FIELD_MANAGER, force: 'true' },
        });
        break;
      } catch (err) {
        if (!retryable(err) || Date.now() > deadline) {
          throw new Error(`applyYaml: ${obj.kind ?? ''} ${obj.metadata?.name ?? ''}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        await sleep(250);
      }
    }
    if (obj.kind === 'CustomResourceDefinition' && obj.apiVersion?.startsWith('apiextensions.k8s.io/') === true) {
      const name = obj.metadata?.name ?? '';
      await pollUntil(`CRD ${name} to be Established`, async () => {
        const crd = await ext.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      }, { timeoutMs, intervalMs: 200 });
    }
  }
}
