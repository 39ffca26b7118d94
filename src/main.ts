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
import { defaultIdentity, LeaderElector } from './kube/lease.ts';
import { startHttpServer } from './observability/http.ts';
import { ControllerMetrics } from './observability/metrics.ts';

export interface RunningController {
  manager: Manager;
  url: string;
  registry: Registry;
  /** Graceful stop: finish in-flight work, release the Lease, close the HTTP server. */
  stop(): Promise<void>;
}

export class StartupError extends Error {}

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

export async function startController(config: Config, kc: KubeConfig, logger: Logger): Promise<RunningController> {
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  const identity = config.identity ?? defaultIdentity();
  const onRequest = (verb: string, code: string, seconds: number): void => {
    metrics.apiRequests.inc({ verb, code });
    metrics.apiRequestDuration.observe({ verb }, seconds);
  };
  const http = new KubeHttp({
    kubeConfig: kc, timeoutMs: config.apiTimeoutMs, concurrency: config.apiConcurrency, userAgent: `kscale/${KSCALE_VERSION}`, onRequest,
  });
  await preflight(http);
  const events = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: identity, logger, onRequest, onDropped: () => { metrics.eventsDropped.inc(); } });
  const manager = new Manager({ config, kubeConfig: kc, http, events, metrics, logger });
  const [host = '0.0.0.0', port = '8080'] = config.httpAddress.startsWith('[')
    ? [config.httpAddress.slice(1, config.httpAddress.indexOf(']')), config.httpAddress.slice(config.httpAddress.lastIndexOf(':') + 1)]
    : config.httpAddress.split(':');
  const server = await startHttpServer({ host, port: Number(port), registry, healthy: () => true, ready: () => manager.ready(), logger });
  await manager.start();

  let elector: LeaderElector | undefined;
  if (config.leaderElect) {
    elector = new LeaderElector({
      kubeConfig: kc, namespace: config.leaderElectionNamespace ?? ownNamespace(kc), name: config.leaderElectionId, identity, onRequest,
      leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs, logger,
      onStartedLeading: () => { manager.startLeading(); },
      onStoppedLeading: () => { manager.stopLeading(); },
      onLeaderChange: (holder: string | undefined) => { logger.info({ holder }, 'leader changed'); },
    });
    void elector.run();
  } else {
    manager.startLeading();
  }
  logger.info({ server: http.server, identity, namespaces: config.namespaces, labelSelector: config.labelSelector, http: server.url, leaderElect: config.leaderElect }, 'kscale controller started');

  let stopped: Promise<void> | undefined;
  return {
    manager, url: server.url, registry,
    stop: () => (stopped ??= (async () => {
      logger.info('stopping: finishing in-flight work');
      await manager.stop();
      await elector?.stop();
      await server.close();
      logger.info('stopped');
    })()),
  };
}
