// `kscale run`: the controller against the configured cluster, or, with --embedded, against a local
// control plane started for the purpose (also when --embedded=auto finds no cluster configured).
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, configUsage, parseConfig } from '../config.ts';
import { loadKubeConfig, NoClusterError } from '../kube/config.ts';
import { startController, StartupError } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { UsageError, type CommandIO } from './io.ts';

const CRD_FILE = new URL('../../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url);

export const runUsage = `${configUsage()}  --embedded[=auto]             start a local control plane (auto: only when no cluster is configured)\n`;

interface Embedded { kc: KubeConfig; kubeconfigPath: string; stop(): Promise<void> }

async function startEmbedded(io: CommandIO): Promise<Embedded> {
  const { ensureControlPlaneBinaries, startControlPlane, startPodReadier, binaryPath } = await import('../controlplane/index.ts');
  const { DEMO_NAMESPACE, startDemo } = await import('./embedded-demo.ts');
  io.err('kscale: no cluster configured: starting the embedded control plane (etcd, kube-apiserver, kube-controller-manager)...\n');
  await ensureControlPlaneBinaries();
  const cp = await startControlPlane({ controllerManager: true });
  try {
    await cp.applyYaml(await readFile(CRD_FILE, 'utf8'));
    // No kubelet here: pods are marked Running and Ready as they appear.
    const readiers = [startPodReadier(cp.kubeConfig, 'default'), startPodReadier(cp.kubeConfig, DEMO_NAMESPACE)];
    const demo = await startDemo(cp);
    io.err([
      `kscale: embedded control plane ready at ${cp.server}`,
      `  demo: Deployment ${DEMO_NAMESPACE}/worker, autoscaled on a queue whose depth rises and falls over 6 minutes`,
      '  in another terminal:',
      `    export KUBECONFIG=${cp.kubeconfigPath} PATH=${dirname(binaryPath('kubectl'))}:$PATH`,
      `    kubectl get hza -n ${DEMO_NAMESPACE} -w        # -o wide adds Desired, Last Scale, Reason`,
      `    kubectl events -n ${DEMO_NAMESPACE} -w`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'));
    return {
      kc: cp.kubeConfig, kubeconfigPath: cp.kubeconfigPath,
      stop: async () => { demo.stop(); await Promise.all(readiers.map((r) => r.stop())); await cp.stop(); },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}

export async function runCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.out(runUsage); return 0; }
  const embeddedArg = args.find((a) => a === '--embedded' || a.startsWith('--embedded='));
  const embeddedMode = embeddedArg === undefined ? 'off' : embeddedArg === '--embedded' ? 'on' : embeddedArg.slice('--embedded='.length);
  if (!['off', 'on', 'auto', 'true', 'false'].includes(embeddedMode)) throw new UsageError(`--embedded takes auto, true or false, got ${JSON.stringify(embeddedMode)}`);
  let config;
  try { config = parseConfig(args.filter((a) => a !== embeddedArg)); } catch (e) { if (e instanceof ConfigError) throw new UsageError(e.message); throw e; }
  let logger;
  try { logger = createLogger({ level: config.logLevel }); } catch (e) { throw new UsageError(`--log-level: ${(e as Error).message}`); }

  let embedded: Embedded | undefined;
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig({ ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}), ...(config.context ? { context: config.context } : {}), ...(config.server ? { server: config.server } : {}) }).kc;
    if (embeddedMode === 'on' || embeddedMode === 'true') throw new NoClusterError('embedded requested');
  } catch (e) {
    if (!(e instanceof NoClusterError)) throw e;
    if (embeddedMode === 'off' || embeddedMode === 'false') {
      io.err(`kscale run: ${e.message}.\n  Point kscale at a cluster with --kubeconfig, KUBECONFIG or --server (e.g. kubectl proxy),\n  or try it on a local control plane: npm start (kscale run --embedded=auto), or npm run cluster:up.\n`);
      return 2;
    }
    embedded = await startEmbedded(io);
    kc = embedded.kc;
    // A single local replica: no Lease needed, and the HTTP port must not clash with anything.
    config = { ...config, leaderElect: false, httpAddress: config.httpAddress === '0.0.0.0:8080' ? '127.0.0.1:0' : config.httpAddress };
  }

  let controller;
  try {
    controller = await startController(config, kc, logger);
  } catch (e) {
    await embedded?.stop();
    if (e instanceof StartupError) { io.err(`kscale run: ${e.message}\n`); return 1; }
    throw e;
  }
  io.err(`kscale: controller running; metrics and health at ${controller.url}/metrics\n`);
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (++signals > 1) { io.err(`kscale: ${sig} again, exiting now\n`); process.exit(130); }
      io.err(`kscale: ${sig}: shutting down\n`);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await controller.stop();
  await embedded?.stop();
  return 0;
}
