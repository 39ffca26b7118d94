// A loopback HTTP proxy to the embedded API server, like `kubectl proxy` (plain HTTP in, the admin's
// TLS client certificate out), that injects faults by rule: delay a request, answer it with an error
// status, hold it unanswered forever, or reset its connection. The controller under test connects
// with --server http://127.0.0.1:PORT, so every fault is one the real API server path can produce.
import { request as httpsRequest, Agent } from 'node:https';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';

export type Fault =
  | { delayMs: number }
  | { status: number; message?: string }
  | 'hang'
  | 'reset';

export interface FaultRule {
  /** e.g. 'GET', or undefined for any verb. */
  method?: string;
  /** Tested against the path with its query string. */
  path: RegExp;
  /** Only watch requests (?watch=true), only non-watch, or either. */
  watch?: boolean;
  fault: Fault;
}

export interface SeenRequest { method: string; path: string; at: number }

export interface FaultProxy {
  readonly url: string;
  /** Rules, first match wins; replace the array's contents to change faults mid-test. */
  readonly rules: FaultRule[];
  /** Every request received, in order. */
  readonly seen: SeenRequest[];
  /** Resets every open connection (in-flight requests and watches end at once). */
  dropConnections(): void;
  close(): Promise<void>;
}

const b64 = (s: string | undefined): Buffer | undefined => (s ? Buffer.from(s, 'base64') : undefined);

export async function startFaultProxy(kc: KubeConfig): Promise<FaultProxy> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster || !user?.certData || !user.keyData) throw new Error('the fault proxy needs a kubeconfig with a client certificate');
  const upstream = new URL(cluster.server);
  const agent = new Agent({ keepAlive: true, ca: b64(cluster.caData), cert: b64(user.certData), key: b64(user.keyData) });
  const rules: FaultRule[] = [];
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = { ...req.headers, host: upstream.host };
    const out = httpsRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders(); // a watch's headers must reach the client before its first event, as the API server sends them
      up.pipe(res);
    });
    out.on('error', () => { res.destroy(); });
    res.on('close', () => { out.destroy(); });
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ method: req.method ?? 'GET', path, at: Date.now() });
    const watch = /[?&]watch=(true|1)/.test(path);
    const rule = rules.find((r) => (r.method === undefined || r.method === req.method) && r.path.test(path) && (r.watch === undefined || r.watch === watch));
    const fault = rule?.fault;
    if (fault === undefined) { forward(req, res); return; }
    if (fault === 'hang') return; // never answered; the socket stays open until the client gives up
    if (fault === 'reset') { req.socket.destroy(); return; }
    if ('delayMs' in fault) { setTimeout(() => { if (!req.socket.destroyed) forward(req, res); }, fault.delayMs); return; }
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fault.status, message: fault.message ?? `injected ${String(fault.status)}`, reason: reasonOf(fault.status) });
    req.resume();
    res.writeHead(fault.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const dropConnections = (): void => { for (const s of sockets) s.destroy(); };
  return {
    url: `http://127.0.0.1:${String(port)}`,
    rules,
    seen,
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      agent.destroy();
    },
  };
}

function reasonOf(status: number): string {
  return ({ 409: 'Conflict', 410: 'Expired', 403: 'Forbidden', 404: 'NotFound', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' } as Record<number, string>)[status] ?? 'Unknown';
}
