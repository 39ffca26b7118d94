// The kwok mode of the embedded control plane: realistic pods and a real metrics pipeline without
// kubelets. After etcd, kube-apiserver and kube-controller-manager are up, this starts
//   kube-scheduler  -> binds the controllers' pods to the kwok nodes
//   kwok            -> plays the kubelet of those nodes: pod lifecycle stages, resource metrics
//   metrics-server  -> scrapes kwok like kubelets, serves metrics.k8s.io via the aggregation layer
// all on 127.0.0.1, then creates the nodes. What stays emulated: the nodes, the containers and the
// usage numbers (kwok computes them from ResourceUsage objects / pod annotations).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kwokConfigYaml, type KwokStageDelays } from './kwok-config.ts';
import { createKwokNodes, DEFAULT_USAGE, kwokArgs, kwokCrdsYaml, kwokNodeName } from './kwok.ts';
import { setPodUsage, type PodUsageValues } from './kwok-usage.ts';
import { DEFAULT_METRIC_RESOLUTION_SECONDS, METRICS_SERVER_DNS, metricsServerArgs, registerMetricsServer } from './metrics-server.ts';
import { pipelineBinaryPath, type PipelineBinary } from './pipeline-paths.ts';
import { generateServingCert, type Pki } from './pki.ts';
import { freePorts, listensOn } from './ports.ts';
import { probe } from './probe.ts';
import type { ManagedProcess } from './process.ts';
import { schedulerArgs } from './scheduler.ts';
import { pollUntil } from './wait.ts';

export interface KwokOptions extends KwokStageDelays {
  /** Fake nodes to create (kwok-node-0 …); default 2. Each takes pods without limit (1k CPU, 1Ti, 1M pods). */
  nodes?: number;
  /** metrics-server's --metric-resolution (scrape interval and CPU window), at least 10; default 10. */
  metricResolutionSeconds?: number;
}

export interface KwokCluster {
  /** The fake nodes' names. */
  readonly nodes: readonly string[];
  /** Sets a pod's emulated usage (kwok's usage annotations), which metrics-server reports after its next scrapes. */
  setPodUsage(namespace: string, pod: string, usage: PodUsageValues): Promise<void>;
}

/** What the control plane lends the pipeline: its files, its admin identity, and its process list. */
export interface PipelineHost {
  workDir: string;
  pki: Pki;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  spawn(name: PipelineBinary, command: string, args: string[]): Promise<ManagedProcess>;
  applyYaml(yamlText: string): Promise<void>;
}

const TIMEOUT_MS = 60_000;

async function waitHealthy(name: string, proc: ManagedProcess, port: number, url: string): Promise<void> {
  await pollUntil(`${name} ${url}`, async () => {
    // Self-signed or CA-signed: a loopback liveness check only.
    const r = await probe(url, { insecure: true });
    if (r.status !== 200) throw new Error(`HTTP ${String(r.status)} ${r.body.slice(0, 300)}`);
    return listensOn(proc.pid, port) ? true : undefined;
  }, { timeoutMs: TIMEOUT_MS, intervalMs: 250, abortIf: () => { proc.assertRunning(); } });
}

export async function startKwokPipeline(host: PipelineHost, opts: KwokOptions): Promise<KwokCluster> {
  const resolution = opts.metricResolutionSeconds ?? DEFAULT_METRIC_RESOLUTION_SECONDS;
  if (resolution < 10) throw new Error(`metricResolutionSeconds must be at least 10 (metrics-server's minimum), got ${String(resolution)}`);
  const [schedulerPort = 0, kwokPort = 0, metricsPort = 0] = await freePorts(3);

  // The usage objects kwok reads, before kwok starts watching them.
  await host.applyYaml(await kwokCrdsYaml());
  await host.applyYaml(DEFAULT_USAGE);
  const kwokConfig = join(host.workDir, 'kwok.yaml');
  await writeFile(kwokConfig, kwokConfigYaml(opts));
  const [kwokTls, msTls] = await Promise.all([
    generateServingCert(host.pki, 'kwok', 'DNS:localhost,IP:127.0.0.1'),
    generateServingCert(host.pki, 'metrics-server', `DNS:${METRICS_SERVER_DNS},DNS:localhost,IP:127.0.0.1,IP:::1`),
  ]);

  const scheduler = await host.spawn('kube-scheduler', pipelineBinaryPath('kube-scheduler'),
    schedulerArgs(host.workDir, host.kubeconfigPath, schedulerPort));
  const kwok = await host.spawn('kwok', pipelineBinaryPath('kwok'),
    kwokArgs({ kubeconfig: host.kubeconfigPath, config: kwokConfig, cert: kwokTls.cert, key: kwokTls.key }, kwokPort));
  await waitHealthy('kube-scheduler', scheduler, schedulerPort, `https://127.0.0.1:${String(schedulerPort)}/healthz`);
  await waitHealthy('kwok', kwok, kwokPort, `http://127.0.0.1:${String(kwokPort)}/healthz`);

  const nodes = Array.from({ length: opts.nodes ?? 2 }, (_, i) => kwokNodeName(i));
  await createKwokNodes(host.kubeConfig, nodes, TIMEOUT_MS);

  const ms = await host.spawn('metrics-server', pipelineBinaryPath('metrics-server'),
    metricsServerArgs(host.pki, { kubeconfig: host.kubeconfigPath, cert: msTls.cert, key: msTls.key }, metricsPort, resolution));
  await waitHealthy('metrics-server', ms, metricsPort, `https://127.0.0.1:${String(metricsPort)}/livez`);
  await registerMetricsServer(host.kubeConfig, metricsPort, host.pki.caCert, TIMEOUT_MS);

  const kc = host.kubeConfig;
  return {
    nodes,
    setPodUsage: (namespace, pod, usage) => setPodUsage(kc, namespace, pod, usage),
  };
}
