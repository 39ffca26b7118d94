// `kscale decide`: the worked examples reproduce, bad input exits 2 naming the field, nothing panics.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import type { CommandIO } from '../../src/cli/io.ts';

const examples = new URL('../../examples/decide/', import.meta.url);

function capture(stdin = ''): CommandIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve(stdin) };
  return io;
}

describe('kscale decide examples', () => {
  const expected = JSON.parse(readFileSync(new URL('expected.json', examples), 'utf8')) as Record<string, { desiredReplicas: number; scaleTo: number | null; proposed: number; reason?: string; limitedBy?: string }>;
  test('every example has an expectation', () => {
    assert.deepEqual(readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort(), Object.keys(expected).sort());
  });
  for (const [file, want] of Object.entries(expected)) {
    test(file, async () => {
      const io = capture();
      assert.equal(await main(['decide', '-f', new URL(file, examples).pathname], io), 0, io.stderr);
      const out = JSON.parse(io.stdout) as { desiredReplicas: number; scaleTo: number | null; reason?: string; explanation: { proposed?: number; limitedBy?: string }; events: unknown[]; status: unknown };
      assert.equal(out.desiredReplicas, want.desiredReplicas);
      assert.equal(out.scaleTo, want.scaleTo);
      assert.equal(out.explanation.proposed, want.proposed);
      if (want.reason) assert.equal(out.reason, want.reason);
      if (want.limitedBy) assert.equal(out.explanation.limitedBy, want.limitedBy);
    });
  }
  test('text output explains the decision', async () => {
    const io = capture();
    assert.equal(await main(['decide', '-f', new URL('queue-scale-down-stabilized.yaml', examples).pathname, '--output', 'text'], io), 0);
    assert.match(io.stdout, /^Decision: no change \(desired 6\)/);
    assert.match(io.stdout, /Bounded by: stabilization/);
    assert.match(io.stdout, /external metric queue_messages_ready\{queue=orders\}/);
  });
  test('reads standard input with -f -', async () => {
    const io = capture(readFileSync(new URL('cpu-scale-up.yaml', examples), 'utf8'));
    assert.equal(await main(['decide', '-f', '-'], io), 0);
    assert.equal((JSON.parse(io.stdout) as { scaleTo: number }).scaleTo, 5);
  });
});

describe('kscale decide errors', () => {
  const cases: { name: string; args?: string[]; stdin?: string; message: RegExp }[] = [
    { name: 'missing -f', args: ['decide'], message: /missing -f FILE/ },
    { name: 'unknown flag', args: ['decide', '--bogus'], message: /bogus/ },
    { name: 'bad output format', args: ['decide', '-f', '-', '-o', 'xml'], stdin: 'now: x', message: /--output must be json or text/ },
    { name: 'missing file', args: ['decide', '-f', '/nonexistent/snap.yaml'], message: /cannot read \/nonexistent\/snap.yaml: no such file/ },
    { name: 'YAML syntax error names line and column', stdin: 'now: "2026-11-23T12:00:00Z"\nscale: [unclosed\n', message: /stdin:\d+:\d+: / },
    { name: 'not a mapping', stdin: '- 1\n- 2\n', message: /the snapshot must be a mapping/ },
    { name: 'bad time', stdin: 'now: yesterday\nautoscaler: {spec: {}}\nscale: {spec: {replicas: 1}}\n', message: /now: must be an RFC 3339 time/ },
    { name: 'bad quantity names the field', stdin: 'now: "2026-11-23T12:00:00Z"\nautoscaler: {spec: {}}\nscale: {spec: {replicas: 1}}\npodMetrics: [{metadata: {name: a}, timestamp: "2026-11-23T12:00:00Z", window: 30s, containers: [{name: c, usage: {cpu: lots}}]}]\n', message: /podMetrics\[0\]\.containers\[0\]\.usage\.cpu: must be a quantity/ },
    { name: 'unknown key', stdin: 'now: "2026-11-23T12:00:00Z"\nautoscaler: {spec: {}}\nscale: {spec: {replicas: 1}}\npodmetrics: []\n', message: /podmetrics: unknown field/ },
    { name: 'unsupported autoscaler kind', stdin: 'now: "2026-11-23T12:00:00Z"\nautoscaler: {apiVersion: autoscaling/v1, kind: HorizontalPodAutoscaler, spec: {}}\nscale: {spec: {replicas: 1}}\n', message: /unsupported autoscaling\/v1 HorizontalPodAutoscaler/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const io = capture(c.stdin ?? '');
      const code = await main(c.args ?? ['decide', '-f', '-'], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, c.message);
      assert.equal(io.stdout, '');
    });
  }
  test('an invalid spec is a decision, not a crash: InvalidSpec event, no scaling', async () => {
    const io = capture('now: "2026-11-23T12:00:00Z"\nautoscaler: {spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: -1}}\nscale: {spec: {replicas: 1}, status: {selector: app=web}}\n');
    assert.equal(await main(['decide', '-f', '-'], io), 0, io.stderr);
    const out = JSON.parse(io.stdout) as { scaleTo: number | null; events: { reason: string; message: string }[] };
    assert.equal(out.scaleTo, null);
    assert.equal(out.events[0]?.reason, 'InvalidSpec');
    assert.match(out.events[0]?.message ?? '', /spec\.maxReplicas/);
  });
  test('unknown command exits 2 with usage', async () => {
    const io = capture();
    assert.equal(await main(['frobnicate'], io), 2);
    assert.match(io.stderr, /unknown command "frobnicate"/);
  });
});
