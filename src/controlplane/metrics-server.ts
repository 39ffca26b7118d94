// The real metrics-server (sigs.k8s.io/metrics-server v0.8.0) in the kwok mode: it scrapes each
// node's kubelet resource-metrics endpoint, which kwok emulates on 127.0.0.1, and serves
// metrics.k8s.io through the aggregation layer. The APIService is repointed from the fake metrics
// server to it; custom and external metrics stay on the fake.
import { readFile } from 'node:fs/promises';
import { ApiregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { makeClient, statusOf } from './clients.ts';
import type { Pki } from './pki.ts';
import { pollUntil } from './wait.ts';

export const METRICS_SERVER_SERVICE = { namespace: 'kube-system', name: 'metrics-server' } as const;
/** The DNS name the aggregator verifies in metrics-server's serving cert. */
export const METRICS_SERVER_DNS = `${METRICS_SERVER_SERVICE.name}.${METRICS_SERVER_SERVICE.namespace}.svc`;
const API_SERVICE = 'v1beta1.metrics.k8s.io';

export interface MetricsServerFiles { kubeconfig: string; cert: string; key: string }

/** metrics-server's minimum; it also reports this as the window of CPU samples. */
export const DEFAULT_METRIC_RESOLUTION_SECONDS = 10;

export function metricsServerArgs(pki: Pki, f: MetricsServerFiles, port: number, resolutionSeconds: number): string[] {
  return [
    `--kubeconfig=${f.kubeconfig}`,
    // Who may call it: it checks the aggregator's front-proxy client cert against the apiserver's
    // extension-apiserver-authentication ConfigMap, read with this identity (admin here).
    `--authentication-kubeconfig=${f.kubeconfig}`, `--authorization-kubeconfig=${f.kubeconfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${String(port)}`,
    `--tls-cert-file=${f.cert}`, `--tls-private-key-file=${f.key}`,
    // The "kubelets" are kwok on loopback: node InternalIP 127.0.0.1, port from the node's status,
    // path from the node annotation metrics.k8s.io/resource-metrics-path. kwok's serving cert is
    // signed by the control plane's CA with IP:127.0.0.1, so TLS is verified (no --kubelet-insecure-tls).
    '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port',
    `--kubelet-certificate-authority=${pki.caCert}`,
    `--metric-resolution=${String(resolutionSeconds)}s`,
    // Must stay below 90 % of the resolution (metrics-server refuses to start otherwise).
    `--kubelet-request-timeout=${String(Math.max(1, Math.floor(resolutionSeconds * 0.5)))}s`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--v=1',
  ];
}

/** Points v1beta1.metrics.k8s.io at metrics-server (an ExternalName Service to localhost, as for the fake). */
export async function registerMetricsServer(kc: KubeConfig, port: number, caFile: string, timeoutMs: number): Promise<void> {
  const core = makeClient(kc, CoreV1Api);
  const reg = makeClient(kc, ApiregistrationV1Api);
  try {
    await core.createNamespacedService({ namespace: METRICS_SERVER_SERVICE.namespace, body: {
      metadata: { name: METRICS_SERVER_SERVICE.name, namespace: METRICS_SERVER_SERVICE.namespace },
      spec: { type: 'ExternalName', externalName: 'localhost' },
    } });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
  const old = await reg.readAPIService({ name: API_SERVICE });
  await reg.replaceAPIService({ name: API_SERVICE, body: {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService',
    metadata: { name: API_SERVICE, resourceVersion: old.metadata?.resourceVersion },
    spec: {
      group: 'metrics.k8s.io', version: 'v1beta1', caBundle: (await readFile(caFile)).toString('base64'),
      service: { ...METRICS_SERVER_SERVICE, port },
      groupPriorityMinimum: 100, versionPriority: 100,
    },
  } });
  await pollUntil(`${API_SERVICE} (metrics-server) to become Available`, async () => {
    const svc = await reg.readAPIService({ name: API_SERVICE });
    const cond = svc.status?.conditions?.find((c) => c.type === 'Available');
    // The availability check is asynchronous: make sure it judged the new target, not the fake.
    if (svc.spec?.service?.port !== port) throw new Error('APIService not updated yet');
    if (cond?.status !== 'True') throw new Error(`${cond?.reason ?? 'no condition'} ${cond?.message ?? ''}`.trim());
    return true;
  }, { timeoutMs, intervalMs: 250 });
}
