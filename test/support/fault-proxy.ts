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
  /**
   * A watch answered 200 with one ERROR event carrying this Status code, then closed: how the API
   * server says a watch's resourceVersion has expired (410 Gone, reason Expired).
   */
  | { watchError: number; message?: string }
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

export interface SeenRequest {
  method: string;
  path: string;
  at: number;
  /** The HTTP status the client got (from a fault or from the API server); unset while unanswered, hung or reset. */
  status?: number;
}

export interface FaultProxy {
  readonly url: string;
  /** Rules, first match wins; replace the array's contents to change faults mid-test. */
  readonly rules: FaultRule[];
  /** Every request received, in order. */
  readonly seen: SeenRequest[];
  /** Resets every open connection (in-flight requests and watches end at once). */
  dropConnections(): void;
  /** Resets only the connections carrying an open watch: the client's other requests go on. */
  dropWatches(): void;
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
  const watchSockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, entry: SeenRequest): void => {
    const headers = { ...req.headers, host: upstream.host };
    const out = httpsRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
      entry.status = up.statusCode ?? 502;
      res.writeHead(entry.status, up.headers);
      res.flushHeaders(); // a watch's headers must reach the client before its first event, as the API server sends them
      up.pipe(res);
    });
    out.on('error', () => { res.destroy(); });
    res.on('close', () => { out.destroy(); });
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const entry: SeenRequest = { method: req.method ?? 'GET', path, at: Date.now() };
    seen.push(entry);
    const watch = /[?&]watch=(true|1)/.test(path);
    if (watch) {
      const socket = req.socket;
      watchSockets.add(socket);
      res.on('close', () => { watchSockets.delete(socket); });
    }
    const rule = rules.find((r) => (r.method === undefined || r.method === req.method) && r.path.test(path) && (r.watch === undefined || r.watch === watch));
    const fault = rule?.fault;
    if (fault === undefined) { forward(req, res, entry); return; }
    if (fault === 'hang') return; // never answered; the socket stays open until the client gives up
    if (fault === 'reset') { req.socket.destroy(); return; }
    if ('delayMs' in fault) { setTimeout(() => { if (!req.socket.destroyed) forward(req, res, entry); }, fault.delayMs); return; }
    if ('watchError' in fault) {
      const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fault.watchError, message: fault.message ?? `injected ${String(fault.watchError)}`, reason: reasonOf(fault.watchError) };
      req.resume();
      entry.status = 200;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return;
    }
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fault.status, message: fault.message ?? `injected ${String(fault.status)}`, reason: reasonOf(fault.status) });
    req.resume();
    entry.status = fault.status;
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
    dropWatches: () => { for (const s of watchSockets) s.destroy(); },
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
