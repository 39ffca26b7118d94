// Composition root: config → clients → caches → queue → controller → http → leader election.
// Only wiring lives here; every piece gets its dependencies passed in.
import type { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { GROUP, VERSION } from './api/types.ts';
import { VERSION as KSCALE_VERSION } from './cli/version.ts';
import type { Config } from './config.ts';
import { Manager } from './controller/manager.ts';
import { ownNamespace } from './kube/config.ts';
import { KubeApiError } from './kube/errors.ts';
import { EventRecorder } from './kube/events.ts';
import { KubeHttp } from './kube/http.ts';
import { defaultIdentity, LeaderElector, type LeaderElectorOptions } from './kube/lease.ts';
import { ShardMembership } from './kube/membership.ts';
import { ShardMetrics } from './controller/shards.ts';
import { startHttpServer, type HttpServer, type HttpServerOptions } from './observability/http.ts';
import { ControllerMetrics } from './observability/metrics.ts';

export interface RunningController {
  manager: Manager;
  /** Where /healthz and /readyz are served (and /metrics, unless config.metricsAddress moved it). */
  url: string;
  /** Where /metrics is served, when it is. */
  metricsUrl: string | undefined;
  registry: Registry;
  /** Graceful stop: finish in-flight work (briefly), release the Lease, close the HTTP servers. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Called once if the controller can no longer work after a successful start (the leader election
   * loop died): the caller must stop and exit non-zero. /healthz and /readyz fail from then on.
   */
  onFatal?: (err: unknown) => void;
  /** Aborted when a stop is requested before startController has returned: startup ends promptly. */
  signal?: AbortSignal;
  /** Builds the leader elector (default: the Lease-based LeaderElector); tests pass one that fails. */
  makeElector?: (o: LeaderElectorOptions) => Elector;
}

/** What the controller needs of a leader elector. */
export type Elector = Pick<LeaderElector, 'run' | 'stop' | 'holdsLease'>;

export class StartupError extends Error {}
/** A startup failure caused by a flag's value (a port in use, an unknown host): exit 2, naming the flag. */
export class StartupFlagError extends StartupError {}

/** Fails early, with the fix, when the CRD is missing or the API server is unreachable. */
async function preflight(http: KubeHttp): Promise<void> {
  try {
    await http.get(`/apis/${GROUP}/${VERSION}`);
  } catch (e) {
    if (e instanceof KubeApiError && e.code === 404) {
      throw new StartupError(`the HorizontalAutoscaler CRD is not installed on ${http.server}: kubectl apply -f deploy/crd/horizontalautoscalers.kscale.dev.yaml`);
    }
    throw new StartupError(`cannot reach the Kubernetes API at ${http.server}: ${(e as Error).message}`);
  }
}

function hostPort(address: string): { host: string; port: number } {
  const bracketed = address.startsWith('[');
  const host = bracketed ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
  return { host, port: Number(address.slice(address.lastIndexOf(':') + 1)) };
}

async function listen(flag: string, address: string, o: Omit<HttpServerOptions, 'host' | 'port'>): Promise<HttpServer> {
  try {
    return await startHttpServer({ ...hostPort(address), ...o });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? 'the port is in use'
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'the host name does not resolve'
        : err.code === 'EADDRNOTAVAIL' ? 'the address is not on this machine'
          : err.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : err.message;
    throw new StartupFlagError(`--${flag}: cannot listen on ${address}: ${why}`);
  }
}

export async function startController(config: Config, kc: KubeConfig, logger: Logger, options: StartOptions = {}): Promise<RunningController> {
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  const identity = config.identity ?? defaultIdentity();
  const started: { manager?: Manager } = {};
  let fatal: unknown;
  // The endpoints come first: a flag naming a bad address fails at once, and liveness answers while
  // a slow API server holds up the rest of startup.
  const metricsApart = config.metricsAddress !== undefined;
  const probes = {
    registry,
    healthy: () => fatal === undefined,
    ready: () => (fatal !== undefined ? { ok: false, reason: 'the controller hit a fatal error' } : started.manager?.ready() ?? { ok: false, reason: 'starting' }),
    logger,
  };
  const server = await listen('http-address', config.httpAddress, { ...probes, serve: { metrics: !metricsApart, probes: true } });
  let metricsServer: HttpServer | undefined;
  const closeServers = async (): Promise<void> => { await Promise.all([server.close(), metricsServer?.close()]); };
  try {
    if (config.metricsAddress !== undefined && config.metricsAddress !== 'off') metricsServer = await listen('metrics-bind-address', config.metricsAddress, { ...probes, serve: { metrics: true, probes: false } });
  } catch (e) {
    await closeServers();
    throw e;
  }

  const onRequest = (verb: string, code: string, seconds: number): void => {
    metrics.apiRequests.inc({ verb, code });
    metrics.apiRequestDuration.observe({ verb }, seconds);
  };
  const http = new KubeHttp({
    kubeConfig: kc, timeoutMs: config.apiTimeoutMs, concurrency: config.apiConcurrency, userAgent: `kscale/${KSCALE_VERSION}`, onRequest,
  });
  // A stop requested during startup ends every API call at once, so startup returns promptly.
  const abortStartup = (): void => { void http.abort(); void started.manager?.stop(0); };
  options.signal?.addEventListener('abort', abortStartup, { once: true });
  try {
    await preflight(http);
  } catch (e) {
    await closeServers();
    throw e;
  }
  const events = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: identity, logger, onRequest, onDropped: () => { metrics.eventsDropped.inc(); } });
  const lease: { elector?: Elector } = {};
  // --sharding: every replica acts, on its own share (src/controller/shards.ts), instead of one leader.
  const membership = config.sharding
    ? new ShardMembership({
      kubeConfig: kc, namespace: config.leaderElectionNamespace ?? ownNamespace(kc), group: config.leaderElectionId, identity, onRequest,
      leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs, logger,
      inFlight: () => started.manager?.inFlight() ?? [], metrics: new ShardMetrics(registry),
    })
    : undefined;
  const m = new Manager({ config, kubeConfig: kc, http, events, metrics, logger, leaseHeld: () => lease.elector?.holdsLease() ?? true, ...(membership ? { shards: membership } : {}) });
  started.manager = m;

  const fail = (err: unknown): void => {
    if (fatal !== undefined) return;
    fatal = err ?? new Error('unknown failure');
    logger.fatal({ err }, 'the controller cannot continue');
    m.stopLeading();
    options.onFatal?.(fatal);
  };
  // Built before anything starts: a bad combination must fail here, not leave a process half running.
  let elector: Elector | undefined;
  const makeElector = options.makeElector ?? ((o: LeaderElectorOptions): Elector => new LeaderElector(o));
  try {
    elector = membership ?? (config.leaderElect
      ? makeElector({
        kubeConfig: kc, namespace: config.leaderElectionNamespace ?? ownNamespace(kc), name: config.leaderElectionId, identity, onRequest,
        leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs, logger,
        onStartedLeading: () => { if (fatal === undefined) m.startLeading(); },
        onStoppedLeading: () => { m.stopLeading(); },
        onLeaderChange: (holder: string | undefined) => { logger.info({ holder }, 'leader changed'); },
      })
      : undefined);
    lease.elector = elector;
    await m.start();
  } catch (e) {
    await Promise.all([closeServers(), m.stop(0)]);
    throw e;
  }
  options.signal?.removeEventListener('abort', abortStartup);
  if (options.signal?.aborted) {
    await Promise.all([closeServers(), m.stop(0)]);
    throw new StartupError('stopped during startup');
  }

  if (elector) elector.run().catch(fail);
  // With sharding every replica works; the membership says which keys (and when) it may act on.
  if (!elector || membership) m.startLeading();
  const metricsUrl = metricsApart ? metricsServer?.url : server.url;
  logger.info({ server: http.server, identity, namespaces: config.namespaces, labelSelector: config.labelSelector, http: server.url, metrics: metricsUrl ?? 'off', leaderElect: config.leaderElect, sharding: config.sharding }, 'kscale controller started');

  let stopped: Promise<void> | undefined;
  return {
    manager: m, url: server.url, metricsUrl, registry,
    stop: () => (stopped ??= (async () => {
      logger.info('stopping: finishing in-flight work');
      await m.stop();
      await elector?.stop();
      await closeServers();
      logger.info('stopped');
    })()),
  };
}
