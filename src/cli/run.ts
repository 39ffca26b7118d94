// `kscale run`: the controller against the configured cluster, or, with --embedded, against a local
// control plane started for the purpose (also when --embedded=auto finds no cluster configured).
import { dirname } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, parseConfig } from '../config.ts';
import { BadKubeconfigError, loadKubeConfig, NoClusterError } from '../kube/config.ts';
import { startController, StartupError, StartupFlagError } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { UsageError, type CommandIO } from './io.ts';
import { runUsage } from './usages.ts';

interface Embedded { kc: KubeConfig; kubeconfigPath: string; announce(): void; stop(): Promise<void> }

async function startEmbedded(io: CommandIO): Promise<Embedded> {
  const { binaryPath, installKscaleApi } = await import('../controlplane/index.ts');
  const { startEmbeddedCluster } = await import('./embedded-cluster.ts');
  const { DEMO_NAMESPACE, embeddedBanner, remindWatchInstructions, startDemo } = await import('./embedded-demo.ts');
  io.err('kscale: starting the embedded control plane (etcd, kube-apiserver, kube-controller-manager; kube-scheduler, kwok, metrics-server)...\n');
  // Pods run on kwok nodes; without the kwok mode's binaries, a helper marks them Ready instead.
  const { cp, stopHelpers } = await startEmbeddedCluster((line) => { io.err(line); }, ['default', DEMO_NAMESPACE]);
  try {
    await installKscaleApi(cp);
    const demo = await startDemo(cp);
    // Printed once the controller runs (after its startup lines), and again on demand.
    const banner = embeddedBanner(cp.server, cp.kubeconfigPath, dirname(binaryPath('kubectl')), process.pid, cp.kwok !== undefined);
    let reminders: { stop(): void } | undefined;
    return {
      kc: cp.kubeConfig, kubeconfigPath: cp.kubeconfigPath,
      announce: () => { io.err(banner); reminders ??= remindWatchInstructions(() => { io.err(banner); }, cp.kubeConfig); },
      stop: async () => { reminders?.stop(); demo.stop(); await stopHelpers(); await cp.stop(); },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}

// After SIGTERM the controller gets this long to stop cleanly (in-flight passes, the Lease released)
// before the process exits anyway: well inside Kubernetes' default 30 s termination grace period.
const STOP_DEADLINE_MS = 4_000;
const EMBEDDED_STOP_DEADLINE_MS = 20_000;

export async function runCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.out(runUsage); return 0; }
  const embeddedArg = args.find((a) => a === '--embedded' || a.startsWith('--embedded='));
  const embeddedMode = embeddedArg === undefined ? 'off' : embeddedArg === '--embedded' ? 'on' : embeddedArg.slice('--embedded='.length);
  if (!['off', 'on', 'auto', 'true', 'false'].includes(embeddedMode)) throw new UsageError(`--embedded takes auto, true or false, got ${JSON.stringify(embeddedMode)}`);
  let config;
  try { config = parseConfig(args.filter((a) => a !== embeddedArg)); } catch (e) { if (e instanceof ConfigError) throw new UsageError(e.message); throw e; }
  let logger;
  try { logger = createLogger({ level: config.logLevel }); } catch (e) { throw new UsageError(`--log-level: ${(e as Error).message}`); }

  const embeddedWanted = embeddedMode === 'on' || embeddedMode === 'true';
  let embedded: Embedded | undefined;
  let kc: KubeConfig | undefined;
  if (!embeddedWanted) {
    try {
      kc = loadKubeConfig({ ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}), ...(config.context ? { context: config.context } : {}), ...(config.server ? { server: config.server } : {}) }).kc;
    } catch (e) {
      if (e instanceof BadKubeconfigError) throw new UsageError(e.message);
      if (!(e instanceof NoClusterError)) throw e;
      if (embeddedMode === 'off' || embeddedMode === 'false') {
        io.err(`kscale run: ${e.message}.\n  Point kscale at a cluster with --kubeconfig, KUBECONFIG or --server (e.g. kubectl proxy),\n  or try it on a local control plane: npm start (kscale run --embedded=auto), or npm run cluster:up.\n`);
        return 2;
      }
      io.err(`kscale: ${e.message}.\n`);
    }
  }

  // From here on a signal ends the run, within a deadline whatever state startup or shutdown is in.
  // The embedded control plane needs longer to stop its processes (its watchdog reaps them if not).
  const stop = stopSignal(io, kc ? STOP_DEADLINE_MS : EMBEDDED_STOP_DEADLINE_MS);
  if (!kc) {
    embedded = await startEmbedded(io);
    kc = embedded.kc;
    // A single local replica: no Lease needed, and the HTTP port must not clash with anything.
    config = { ...config, leaderElect: false, httpAddress: config.httpAddress === '0.0.0.0:8080' ? '127.0.0.1:0' : config.httpAddress };
  }

  let controller;
  try {
    if (!stop.requested) controller = await startController(config, kc, logger, { onFatal: () => { stop.fatal(); }, signal: stop.signal });
  } catch (e) {
    await embedded?.stop();
    if (stop.requested) return exitSoon(0); // startup was cut short on purpose
    if (e instanceof StartupFlagError) { io.err(`kscale run: ${e.message}\n`); return exitSoon(2); }
    if (e instanceof StartupError) { io.err(`kscale run: ${e.message}\n`); return exitSoon(1); }
    exitSoon(1); // main() reports the error; nothing half-started may keep the process alive
    throw e;
  }
  if (controller) io.err(`kscale: controller running; health at ${controller.url}/healthz, metrics ${controller.metricsUrl ? `at ${controller.metricsUrl}/metrics` : 'off'}\n`);
  embedded?.announce();
  const code = await stop.wait;
  await controller?.stop();
  await embedded?.stop();
  return exitSoon(code);
}

/** Resolves with the exit code on SIGTERM/SIGINT (0) or a fatal error (1); a second signal exits at once. */
function stopSignal(io: CommandIO, deadlineMs: number): { wait: Promise<number>; readonly requested: boolean; signal: AbortSignal; fatal(): void } {
  let requested = false;
  const aborter = new AbortController();
  let resolve: (code: number) => void = () => undefined;
  const wait = new Promise<number>((r) => { resolve = r; });
  const end = (code: number): void => {
    if (requested) return;
    requested = true;
    resolve(code);
    aborter.abort();
    setTimeout(() => {
      io.err(`kscale: did not stop within ${String(deadlineMs / 1000)} s; exiting now\n`);
      process.exit(code || 1);
    }, deadlineMs).unref();
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) { io.err(`kscale: ${sig} again, exiting now\n`); process.exit(130); }
    io.err(`kscale: ${sig}: shutting down\n`);
    end(0);
  };
  // First in line: the controller stops before the embedded control plane's own teardown handler runs.
  process.prependListener('SIGTERM', onSignal);
  process.prependListener('SIGINT', onSignal);
  return { wait, get requested() { return requested; }, signal: aborter.signal, fatal: () => { end(1); } };
}

/**
 * The exit code, and an exit shortly after if anything still holds the event loop open (a keep-alive
 * socket, a watch the API server has not closed): a stopped controller must not linger.
 */
function exitSoon(code: number): number {
  process.exitCode = code;
  setTimeout(() => { process.exit(code); }, 200).unref();
  return code;
}
