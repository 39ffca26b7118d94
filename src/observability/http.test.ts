import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { startHttpServer } from './http.ts';
import { createLogger } from './logger.ts';
import { ControllerMetrics } from './metrics.ts';

const logger = createLogger({ level: 'silent' });

describe('startHttpServer', () => {
  test('serves /metrics, /healthz, /readyz on a free loopback port, 404 elsewhere', async () => {
    const registry = new Registry();
    const m = new ControllerMetrics(registry);
    m.leader.set(1);
    let healthy = true;
    let ready: { ok: boolean; reason?: string } = { ok: false, reason: 'caches not synced: pods' };
    const srv = await startHttpServer({ host: '127.0.0.1', port: 0, registry, healthy: () => healthy, ready: () => ready, logger });
    try {
      assert.ok(srv.port > 0);
      assert.equal(srv.url, `http://127.0.0.1:${String(srv.port)}`);

      const metrics = await fetch(`${srv.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.equal(metrics.headers.get('content-type'), registry.contentType);
      const text = await metrics.text();
      assert.ok(text.includes('kscale_leader 1'));
      assert.ok(text.includes('process_cpu_user_seconds_total'));

      let r = await fetch(`${srv.url}/healthz`);
      assert.deepEqual([r.status, await r.text()], [200, 'ok']);
      healthy = false;
      r = await fetch(`${srv.url}/healthz`);
      assert.equal(r.status, 500);
      await r.text();

      r = await fetch(`${srv.url}/readyz`);
      assert.deepEqual([r.status, await r.text()], [503, 'caches not synced: pods']);
      ready = { ok: false };
      r = await fetch(`${srv.url}/readyz`);
      assert.equal(r.status, 503);
      assert.ok((await r.text()).length > 0, 'a reason even when none was given');
      ready = { ok: true };
      r = await fetch(`${srv.url}/readyz?verbose=1`);
      assert.deepEqual([r.status, await r.text()], [200, 'ok']);

      r = await fetch(`${srv.url}/nope`);
      assert.equal(r.status, 404);
      await r.text();
      r = await fetch(`${srv.url}/metrics`, { method: 'POST' });
      assert.equal(r.status, 405);
      await r.text();
    } finally {
      await srv.close();
    }
  });

  test('a probe callback that throws fails the probe instead of the server', async () => {
    const registry = new Registry();
    const srv = await startHttpServer({
      host: '127.0.0.1', port: 0, registry, logger,
      healthy: () => { throw new Error('boom'); },
      ready: () => { throw new Error('boom'); },
    });
    try {
      const h = await fetch(`${srv.url}/healthz`);
      assert.equal(h.status, 500);
      await h.text();
      const r = await fetch(`${srv.url}/readyz`);
      assert.equal(r.status, 503);
      await r.text();
    } finally {
      await srv.close();
    }
  });

  test('close() ends kept-alive connections promptly and frees the port', async () => {
    const registry = new Registry();
    const srv = await startHttpServer({ host: '127.0.0.1', port: 0, registry, logger, healthy: () => true, ready: () => ({ ok: true }) });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpRequest(`${srv.url}/healthz`, { agent }, (res) => { res.resume(); res.on('end', () => { resolve(res.statusCode); }); });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
      const t0 = Date.now();
      await srv.close();
      assert.ok(Date.now() - t0 < 1_000, 'close did not wait for the keep-alive timeout');
      await srv.close(); // idempotent
      await assert.rejects(fetch(`${srv.url}/healthz`));
    } finally {
      agent.destroy();
    }
  });

  test('a port in use rejects', async () => {
    const registry = new Registry();
    const a = await startHttpServer({ host: '127.0.0.1', port: 0, registry, logger, healthy: () => true, ready: () => ({ ok: true }) });
    try {
      await assert.rejects(startHttpServer({ host: '127.0.0.1', port: a.port, registry, logger, healthy: () => true, ready: () => ({ ok: true }) }), /EADDRINUSE/);
    } finally {
      await a.close();
    }
  });
});
