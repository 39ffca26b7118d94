// The operational HTTP endpoint: /metrics for Prometheus, /healthz for the liveness probe, /readyz
// for the readiness probe. It reads state through the callbacks it is given and holds none itself.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: Registry;
  /** Liveness: false makes /healthz answer 500, so the kubelet restarts the container. */
  healthy: () => boolean;
  /** Readiness: not ok makes /readyz answer 503 with the reason. */
  ready: () => { ok: boolean; reason?: string };
  logger: Logger;
  /** What this listener serves (default both): metrics may live on a separate, private address. */
  serve?: { metrics: boolean; probes: boolean };
}

export interface HttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const log = opts.logger.child({ component: 'http' });
  const server = createServer((req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      log.error({ err, path: req.url }, 'request failed');
      if (!res.headersSent) send(res, 500, TEXT, 'internal error');
      else res.destroy();
    });
  });
  // Probes and scrapes are tiny; a client that stalls must not hold a socket for minutes.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  log.info({ url }, `serving ${servedPaths(opts).join(', ')}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => { if (err) reject(err); else resolve(); });
        // close() only stops accepting; Prometheus keeps its connection alive, which would hold
        // shutdown open until the keep-alive timeout.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(opts: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = servedPaths(opts).includes(path);
  if (!known) { send(res, 404, TEXT, 'not found'); return; }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, TEXT, 'method not allowed');
    return;
  }
  if (path === '/metrics') {
    send(res, 200, opts.registry.contentType, await opts.registry.metrics());
  } else if (path === '/healthz') {
    const ok = safely(opts.healthy, false);
    send(res, ok ? 200 : 500, TEXT, ok ? 'ok' : 'unhealthy');
  } else {
    const r = safely(opts.ready, { ok: false, reason: 'readiness check failed' });
    send(res, r.ok ? 200 : 503, TEXT, r.ok ? 'ok' : r.reason ?? 'not ready');
  }
}

function servedPaths(opts: HttpServerOptions): string[] {
  const serve = opts.serve ?? { metrics: true, probes: true };
  return [...(serve.metrics ? ['/metrics'] : []), ...(serve.probes ? ['/healthz', '/readyz'] : [])];
}

/** A probe callback that throws counts as failing rather than crashing the server. */
function safely<T>(fn: () => T, failed: T): T {
  try { return fn(); } catch { return failed; }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
