// A programmable stand-in for metrics-server and custom/external metrics adapters: an HTTPS server on
// loopback that the harness registers as APIServices, so clients reach it THROUGH the apiserver's
// aggregation layer exactly as they would reach the real thing. It always answers JSON, also when the
// client asks for protobuf (client-go decodes by the response's Content-Type).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  customMetrics, discovery, emptyData, externalMetrics, GROUP_VERSIONS, resourceMetrics, statusAnswer,
  type Answer, type MetricsApi, type MetricsData, type PodSelectorLookup, type PodsMetricSample, type PodUsage,
} from './fake-metrics-api.ts';
import { sleep } from './wait.ts';

export type { MetricsApi, PodSelectorLookup } from './fake-metrics-api.ts';

export interface FakeMetrics {
  /** PodMetrics for a pod (metrics.k8s.io); a pod whose usage is never set is simply absent. */
  setPodUsage(namespace: string, pod: string, containers: Record<string, { cpu?: string; memory?: string }>,
    opts?: { timestamp?: Date; window?: string }): void;
  deletePodUsage(namespace: string, pod: string): void;
  /** A Pods-type custom metric sample (custom.metrics.k8s.io /namespaces/{ns}/pods/{pod|*}/{metric}). */
  setPodsMetric(namespace: string, pod: string, metric: string, value: string,
    opts?: { timestamp?: Date; windowSeconds?: number }): void;
  /** An Object-type custom metric; resource as the HPA sends it ('deployments.apps', 'services', 'namespaces'). */
  setObjectMetric(namespace: string, resource: string, name: string, metric: string, value: string): void;
  /** Replaces all series of an external metric in a namespace. */
  setExternalMetric(namespace: string, metric: string, series: { labels: Record<string, string>; value: string }[]): void;
  /** Makes that API's data requests (not its discovery) answer with this status; null heals it. */
  setFailure(api: MetricsApi, failure: { status: number; message?: string } | null): void;
  /** Delays that API's data requests by ms. */
  setLatency(api: MetricsApi, ms: number): void;
  /**
   * Data requests that reached the server, oldest first; `path` includes the query string.
   * Discovery and OpenAPI requests (the aggregator polls them) are not recorded.
   */
  requests(api?: MetricsApi): { method: string; path: string; at: Date }[];
  /** Forgets all data, failures, latencies and recorded requests. */
  reset(): void;
}

export interface FakeMetricsServerOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** Resolves a pod labelSelector to pod names (the harness asks the apiserver); without it, no filtering. */
  podLookup?: PodSelectorLookup;
}

interface Recorded { api: MetricsApi; method: string; path: string; at: Date }

const OPENAPI_V2 = { swagger: '2.0', info: { title: 'kscale fake metrics', version: 'v1' }, paths: {} };
const OPENAPI_V3 = { paths: {} };

export class FakeMetricsServer implements FakeMetrics {
  #data: MetricsData = emptyData();
  #failures = new Map<MetricsApi, { status: number; message?: string }>();
  #latency = new Map<MetricsApi, number>();
  #log: Recorded[] = [];
  #servers: Server[] = [];
  #port = 0;
  readonly #opts: FakeMetricsServerOptions;

  constructor(opts: FakeMetricsServerOptions) {
    this.#opts = opts;
  }

  get port(): number { return this.#port; }

  // ---- programming ----

  setPodUsage(namespace: string, pod: string, containers: Record<string, { cpu?: string; memory?: string }>,
    opts: { timestamp?: Date; window?: string } = {}): void {
    let pods = this.#data.podUsage.get(namespace);
    if (!pods) this.#data.podUsage.set(namespace, (pods = new Map<string, PodUsage>()));
    pods.set(pod, { containers: structuredClone(containers), timestamp: opts.timestamp, window: opts.window ?? '30s' });
  }

  deletePodUsage(namespace: string, pod: string): void {
    this.#data.podUsage.get(namespace)?.delete(pod);
  }

  setPodsMetric(namespace: string, pod: string, metric: string, value: string,
    opts: { timestamp?: Date; windowSeconds?: number } = {}): void {
    const key = `${namespace}/${metric}`;
    let samples = this.#data.podsMetrics.get(key);
    if (!samples) this.#data.podsMetrics.set(key, (samples = new Map<string, PodsMetricSample>()));
    samples.set(pod, { value, timestamp: opts.timestamp, windowSeconds: opts.windowSeconds ?? 30 });
  }

  setObjectMetric(namespace: string, resource: string, name: string, metric: string, value: string): void {
    const key = `${namespace}/${resource}/${metric}`;
    let objects = this.#data.objectMetrics.get(key);
    if (!objects) this.#data.objectMetrics.set(key, (objects = new Map<string, string>()));
    objects.set(name, value);
  }

  setExternalMetric(namespace: string, metric: string, series: { labels: Record<string, string>; value: string }[]): void {
    this.#data.externalMetrics.set(`${namespace}/${metric}`, structuredClone(series));
  }

  setFailure(api: MetricsApi, failure: { status: number; message?: string } | null): void {
    if (failure) this.#failures.set(api, { ...failure });
    else this.#failures.delete(api);
  }

  setLatency(api: MetricsApi, ms: number): void {
    this.#latency.set(api, Math.max(0, ms));
  }

  requests(api?: MetricsApi): { method: string; path: string; at: Date }[] {
    return this.#log.filter((r) => api === undefined || r.api === api).map(({ method, path, at }) => ({ method, path, at }));
  }

  reset(): void {
    this.#data = emptyData();
    this.#failures.clear();
    this.#latency.clear();
    this.#log = [];
  }

  // ---- serving ----

  /**
   * Listens on 127.0.0.1 and, when the host has it, on ::1 with the same port: the APIServices
   * route to the ExternalName "localhost", which may resolve to either.
   */
  async listen(): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const v4 = this.#newServer();
      const port = await listenOn(v4, '127.0.0.1', 0);
      const v6 = this.#newServer();
      try {
        await listenOn(v6, '::1', port);
        this.#servers = [v4, v6];
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') { await closeServer(v4); continue; } // someone has that port on ::1
        this.#servers = [v4]; // no IPv6 loopback here: Go's dialer falls back to 127.0.0.1
      }
      this.#port = port;
      for (const s of this.#servers) s.unref(); // like the child processes: never what keeps a process alive
      return port;
    }
    throw new Error('fake metrics server: no port free on both 127.0.0.1 and ::1 after 10 attempts');
  }

  async close(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map(closeServer));
  }

  #newServer(): Server {
    const srv = createServer({ cert: this.#opts.cert, key: this.#opts.key }, (req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        send(res, statusAnswer(500, `fake metrics server: ${err instanceof Error ? err.message : String(err)}`));
      });
    });
    srv.keepAliveTimeout = 5_000;
    // The aggregator's keep-alive connections must not keep the process alive either.
    srv.on('connection', (socket: Socket) => { socket.unref(); });
    return srv;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/openapi/v2') { send(res, { status: 200, body: OPENAPI_V2 }); return; }
    if (path === '/openapi/v3') { send(res, { status: 200, body: OPENAPI_V3 }); return; }
    const apiEntry = (Object.entries(GROUP_VERSIONS) as [MetricsApi, { group: string; version: string }][])
      .find(([, gv]) => path === `/apis/${gv.group}/${gv.version}` || path.startsWith(`/apis/${gv.group}/${gv.version}/`));
    if (!apiEntry) { send(res, statusAnswer(404, `the server could not find the requested resource (${path})`)); return; }
    const [api, gv] = apiEntry;
    const segs = path.slice(`/apis/${gv.group}/${gv.version}`.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (segs.length === 0) { send(res, { status: 200, body: discovery(api, this.#data) }); return; }

    this.#log.push({ api, method: req.method ?? 'GET', path: url.pathname + url.search, at: new Date() });
    const lag = this.#latency.get(api) ?? 0;
    if (lag > 0) await sleep(lag);
    const failure = this.#failures.get(api);
    if (failure) { send(res, statusAnswer(failure.status, failure.message ?? `injected failure of the ${api} metrics API`)); return; }
    if (req.method !== 'GET') { send(res, statusAnswer(405, `${req.method ?? ''} is not supported`)); return; }

    let answer: Answer;
    if (api === 'resource') answer = await resourceMetrics(segs, url.searchParams, this.#data, this.#opts.podLookup);
    else if (api === 'custom') answer = await customMetrics(segs, url.searchParams, this.#data, this.#opts.podLookup);
    else answer = externalMetrics(segs, url.searchParams, this.#data);
    send(res, answer);
  }
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) { res.end(); return; }
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function listenOn(srv: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true }, () => {
      srv.off('error', reject);
      resolve((srv.address() as AddressInfo).port);
    });
  });
}

function closeServer(srv: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!srv.listening) { resolve(); return; }
    srv.close(() => { resolve(); });
    srv.closeAllConnections(); // the aggregator keeps connections alive; don't wait for them to idle out
  });
}
