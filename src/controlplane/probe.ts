// Plain HTTP(S) GETs for readiness probes of etcd, kube-apiserver and kube-controller-manager, before
// any kubeconfig exists. Loopback only.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface ProbeTls { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean }

export function probe(url: string, tls: ProbeTls = {}, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts: RequestOptions = { method: 'GET', timeout: timeoutMs, agent: false };
    if (u.protocol === 'https:') {
      Object.assign(opts, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.insecure !== true });
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
      res.on('error', reject);
    });
    req.on('timeout', () => { req.destroy(new Error(`no answer from ${url} within ${String(timeoutMs)} ms`)); });
    req.on('error', reject);
    req.end();
  });
}
