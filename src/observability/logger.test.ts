import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, LOG_LEVELS, prettyLine } from './logger.ts';

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

describe('readable lines on a terminal', () => {
  const lines = (): { text: string[]; write: (s: string) => void; isTTY?: boolean } => {
    const text: string[] = [];
    return { text, write: (s: string) => { text.push(s); } };
  };
  const at = new Date(2026, 0, 2, 9, 5, 7).toISOString(); // 09:05:07 local time

  test('a record about an object reads "time LEVEL ns/name message  key=value", values quoted only when needed', () => {
    const json = JSON.stringify({ level: 'info', time: at, app: 'kscale', namespace: 'demo', name: 'worker', reconcileID: 'r1', current: 1, desired: 3, reason: 'external metric q{queue=orders} above target', limitedBy: null, msg: 'scaled' });
    assert.equal(prettyLine(json), '09:05:07 INFO  demo/worker scaled  current=1 desired=3 reason="external metric q{queue=orders} above target" limitedBy=null\n');
  });

  test('other records keep every field but time, level, app and reconcileID; a lone namespace stays a field', () => {
    assert.equal(prettyLine(JSON.stringify({ level: 'warn', time: at, app: 'kscale', namespace: 'demo', namespaces: [], component: 'http', msg: 'x y' })),
      '09:05:07 WARN  x y  namespace=demo namespaces=[] component=http\n');
  });

  test('an error adds its message, and at error level its stack, indented', () => {
    const err = { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1', stack: 'Error: connect ECONNREFUSED 127.0.0.1:1\n    at a (f.ts:1:1)\n    at b (g.ts:2:2)' };
    assert.equal(prettyLine(JSON.stringify({ level: 'warn', time: at, err, msg: 'watch failed' })), '09:05:07 WARN  watch failed  error="connect ECONNREFUSED 127.0.0.1:1"\n');
    assert.equal(prettyLine(JSON.stringify({ level: 'error', time: at, err, msg: 'watch failed' })),
      '09:05:07 ERROR watch failed  error="connect ECONNREFUSED 127.0.0.1:1"\n    at a (f.ts:1:1)\n    at b (g.ts:2:2)\n');
  });

  test('a line that is not JSON passes through', () => {
    assert.equal(prettyLine('plain'), 'plain\n');
  });

  test('format auto: pretty on a terminal, JSON elsewhere; json and pretty force it; redaction still applies', () => {
    const tty = { ...lines(), isTTY: true };
    createLogger({ destination: tty }).info({ namespace: 'demo', name: 'worker', token: 's3cret' }, 'hello');
    assert.match(tty.text[0] ?? '', /^\d\d:\d\d:\d\d INFO {2}demo\/worker hello {2}token=\[redacted\]\n$/);
    const pipe = lines();
    createLogger({ destination: pipe }).info('hello');
    assert.equal((JSON.parse(pipe.text[0] ?? '{}') as { msg?: string }).msg, 'hello');
    const forcedJson = { ...lines(), isTTY: true };
    createLogger({ destination: forcedJson, format: 'json' }).info('hello');
    assert.ok((forcedJson.text[0] ?? '').startsWith('{'));
    const forcedPretty = lines();
    createLogger({ destination: forcedPretty, format: 'pretty', level: 'debug' }).debug('evaluated');
    assert.match(forcedPretty.text[0] ?? '', /^\d\d:\d\d:\d\d DEBUG evaluated\n$/);
  });
});
