import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, LOG_LEVELS } from './logger.ts';

function capture(): { lines: Record<string, unknown>[]; write: (s: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } };
}

describe('createLogger', () => {
  test('writes JSON lines with an ISO timestamp, the app name and a level label', () => {
    const sink = capture();
    const log = createLogger({ destination: sink });
    log.info({ namespace: 'ns', name: 'web' }, 'hello');
    assert.equal(sink.lines.length, 1);
    const line = sink.lines[0] ?? {};
    assert.equal(line.app, 'kscale');
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'hello');
    assert.equal(line.namespace, 'ns');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('defaults to info and honours a given level', () => {
    const sink = capture();
    createLogger({ destination: sink }).debug('hidden');
    assert.equal(sink.lines.length, 0);
    const log = createLogger({ level: 'debug', destination: sink });
    log.debug('shown');
    assert.equal(sink.lines.length, 1);
    createLogger({ level: 'silent', destination: sink }).fatal('nothing');
    assert.equal(sink.lines.length, 1);
  });

  test('rejects an unknown level with a message listing the valid ones', () => {
    assert.throws(() => createLogger({ level: 'verbose' }), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /invalid log level "verbose"/);
      for (const l of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) assert.ok(e.message.includes(l), l);
      return true;
    });
    assert.throws(() => createLogger({ level: 'INFO' }), /invalid log level/);
    assert.deepEqual([...LOG_LEVELS].sort(), ['debug', 'error', 'fatal', 'info', 'silent', 'trace', 'warn']);
  });

  test('redacts tokens and authorization headers', () => {
    const sink = capture();
    const log = createLogger({ destination: sink });
    log.info({ token: 's3cret', req: { headers: { authorization: 'Bearer s3cret', accept: 'json' } }, user: { token: 's3cret' } }, 'call');
    const raw = JSON.stringify(sink.lines[0]);
    assert.ok(!raw.includes('s3cret'), raw);
    assert.ok(raw.includes('[redacted]'));
    assert.ok(raw.includes('"accept":"json"'), 'other fields stay');
  });

  test('child loggers keep the base fields and add their own', () => {
    const sink = capture();
    createLogger({ destination: sink }).child({ reconcileID: 'r1' }).warn('w');
    assert.equal(sink.lines[0]?.app, 'kscale');
    assert.equal(sink.lines[0]?.reconcileID, 'r1');
    assert.equal(sink.lines[0]?.level, 'warn');
  });
});
