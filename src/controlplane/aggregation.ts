// Registers the fake metrics server with the aggregation layer: one ExternalName Service pointing at
// "localhost" and an APIService per metrics API, with the port in APIService.spec.service.port.
// Without --enable-aggregator-routing the apiserver resolves ExternalName services itself, so the
// route stays on loopback (no ClusterIP, no kube-proxy, no Endpoints needed).
import { readFile } from 'node:fs/promises';
import { ApiregistrationV1Api, CoreV1Api, type KubeConfig, type V1APIService } from '@kubernetes/client-node';
import { makeClient, statusOf } from './clients.ts';
import { GROUP_VERSIONS, type MetricsApi } from './fake-metrics-api.ts';
import { pollUntil } from './wait.ts';

export const METRICS_SERVICE = { namespace: 'kube-system', name: 'fake-metrics' } as const;

export function apiServiceName(api: MetricsApi): string {
  const gv = GROUP_VERSIONS[api];
  return `${gv.version}.${gv.group}`;
}

export async function registerMetricsApis(kc: KubeConfig, port: number, caFile: string, timeoutMs: number): Promise<void> {
  const core = makeClient(kc, CoreV1Api);
  const reg = makeClient(kc, ApiregistrationV1Api);
  try {
    await core.createNamespacedService({ namespace: METRICS_SERVICE.namespace, body: {
      metadata: { name: METRICS_SERVICE.name, namespace: METRICS_SERVICE.namespace },
      spec: { type: 'ExternalName', externalName: 'localhost' },
    } });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
  // caBundle rather than insecureSkipTLSVerify: the aggregator then really checks the serving cert
  // (SAN fake-metrics.kube-system.svc), as it would for a real adapter.
  const caBundle = (await readFile(caFile)).toString('base64');
  const apis = Object.keys(GROUP_VERSIONS) as MetricsApi[];
  for (const api of apis) {
    const gv = GROUP_VERSIONS[api];
    const body: V1APIService = {
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService',
      metadata: { name: apiServiceName(api) },
      spec: {
        group: gv.group, version: gv.version, caBundle,
        service: { namespace: METRICS_SERVICE.namespace, name: METRICS_SERVICE.name, port },
        groupPriorityMinimum: 100, versionPriority: 100,
      },
    };
    try {
      await reg.createAPIService({ body });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const old = await reg.readAPIService({ name: apiServiceName(api) });
      body.metadata = { name: apiServiceName(api), resourceVersion: old.metadata?.resourceVersion };
      await reg.replaceAPIService({ name: apiServiceName(api), body });
    }
  }
  await pollUntil('the metrics APIServices to become Available', async () => {
    const notYet: string[] = [];
    for (const api of apis) {
      const svc = await reg.readAPIService({ name: apiServiceName(api) });
      const cond = svc.status?.conditions?.find((c) => c.type === 'Available');
      if (cond?.status !== 'True') notYet.push(`${apiServiceName(api)}: ${cond?.reason ?? 'no condition'} ${cond?.message ?? ''}`.trim());
    }
    if (notYet.length > 0) throw new Error(notYet.join('; '));
    return true;
  }, { timeoutMs, intervalMs: 250 });
}
