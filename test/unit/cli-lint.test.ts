// `kscale lint -f`: files, directories, several documents, Lists, JSON and standard input; one line
// per finding with severity and path; exit 0 with warnings only, 1 with errors, 2 on bad usage.
// (`--live` runs against the real API server in test/integration/lint.test.ts.)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { commands, main } from '../../src/cli/main.ts';
import { pluginCommands, pluginMain } from '../../src/cli/kubectl-plugin.ts';
import { lintUsage } from '../../src/cli/usages.ts';

async function kscale(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['lint', ...args], { out: (t) => { out += t; }, err: (t) => { err += t; }, readStdin: () => Promise.resolve(stdin) });
  return { code, out, err };
}

const hza = (name: string, spec: string): string => `apiVersion: kscale.dev/v1alpha1
kind: HorizontalAutoscaler
metadata: {name: ${name}, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}
${spec}`;
const GOOD = hza('good', '  minReplicas: 2\n  maxReplicas: 10\n');
const WARN = hza('warn', "  minReplicas: 4\n  maxReplicas: 10\n  tolerance: '0.5'\n  behavior: {scaleDown: {stabilizationWindowSeconds: 5}}\n");
const BAD = hza('bad', '  minReplicas: 5\n  maxReplicas: 2\n');

describe('kscale lint -f', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kscale-lint-'));
  after(() => { rmSync(dir, { recursive: true, force: true }); });
  const write = (name: string, text: string): string => { const p = join(dir, name); mkdirSync(join(p, '..'), { recursive: true }); writeFileSync(p, text); return p; };

  test('a clean file: exit 0, a summary line', async () => {
    const r = await kscale(['-f', write('good.yaml', GOOD)]);
    assert.deepEqual([r.code, r.out, r.err], [0, '1 HorizontalAutoscaler: 0 errors, 0 warnings\n', '']);
  });

  test('warnings only: exit 0, one line per finding with severity, path and check', async () => {
    const file = write('warn.yaml', `${GOOD}---\n${WARN}`);
    const r = await kscale(['-f', file]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out.split('\n'), [
      `${file}:2: shop/warn: warning spec.behavior.scaleDown.stabilizationWindowSeconds: 5 s is shorter than the sync period (15 s): the window never holds an earlier recommendation and acts as 0 (StabilizationWindowBelowSyncPeriod)`,
      `${file}:2: shop/warn: warning spec.tolerance: tolerance 0.5 at minReplicas 4: one replica is 1/4 of the load, inside the tolerance, so the load must exceed a whole extra replica before one is added (and then at least two are) (ToleranceCoarserThanOneReplica)`,
      '2 HorizontalAutoscalers: 0 errors, 2 warnings', '']);
  });

  test('an invalid spec is an error: exit 1', async () => {
    const r = await kscale(['-f', write('bad.yaml', BAD)]);
    assert.equal(r.code, 1);
    assert.match(r.out, /bad\.yaml:1: shop\/bad: error spec\.maxReplicas: must be greater than or equal to minReplicas \(5\), got 2 \(InvalidSpec\)\n/);
  });

  test('a directory (recursive, YAML and JSON, Lists; other kinds skipped), -o json', async () => {
    const d = join(dir, 'tree');
    write('tree/a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${WARN}`);
    write('tree/sub/b.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'fixed' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 3, maxReplicas: 3 } }] }));
    write('tree/notes.txt', 'not a manifest');
    const r = await kscale(['-f', d, '-o', 'json']);
    assert.equal(r.code, 0);
    const json = JSON.parse(r.out) as { objects: { source: string; name: string; findings: { check: string; severity: string; path: string }[] }[]; errors: number; warnings: number };
    assert.deepEqual(json.objects.map((o) => [o.source.slice(d.length + 1), o.name, o.findings.map((f) => `${f.severity} ${f.check} ${f.path}`)]), [
      ['a.yaml:2', 'warn', ['warning StabilizationWindowBelowSyncPeriod spec.behavior.scaleDown.stabilizationWindowSeconds', 'warning ToleranceCoarserThanOneReplica spec.tolerance']],
      ['sub/b.json:1', 'fixed', ['warning FixedReplicaCount spec.maxReplicas']],
    ]);
    assert.deepEqual([json.errors, json.warnings], [0, 3]);
  });

  test('several -f, standard input, --sync-period', async () => {
    const r = await kscale(['-f', '-', '-f', write('good2.yaml', GOOD), '--sync-period', '30'], hza('slow', '  maxReplicas: 4\n  behavior: {scaleUp: {stabilizationWindowSeconds: 20}}\n'));
    assert.equal(r.code, 0);
    assert.match(r.out, /^\(stdin\):1: shop\/slow: warning spec\.behavior\.scaleUp\.stabilizationWindowSeconds: 20 s is shorter than the sync period \(30 s\)/);
    assert.match(r.out, /2 HorizontalAutoscalers: 0 errors, 1 warning\n$/);
  });

  test('bad usage and unreadable input exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^kscale lint: give -f FILE\|DIR \(one or more\) or --live NAMESPACE\/NAME\n$/],
      [['-f', join(dir, 'missing.yaml')], /^kscale lint: cannot read .*missing\.yaml: /],
      [['-f', write('broken.yaml', 'a: [\n')], /^kscale lint: .*broken\.yaml: document 1: /],
      [['-f', write('none.yaml', 'apiVersion: v1\nkind: ConfigMap\n')], /^kscale lint: no HorizontalAutoscaler \(kscale\.dev\) found in /],
      [['-f', write('g3.yaml', GOOD), '-o', 'yaml'], /^kscale lint: --output must be text or json/],
      [['-f', write('g4.yaml', GOOD), '--sync-period', '0'], /^kscale lint: --sync-period must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = await kscale(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
    }
  });

  test('kubectl kscale lint is the same command', async () => {
    // The same table entry as kscale's (whose run loads lint.ts on demand), so the same help and behaviour.
    assert.equal(pluginCommands().lint?.run, commands.lint?.run);
    assert.equal(pluginCommands().lint?.usage, lintUsage);
    let out = '';
    const code = await pluginMain(['lint', '--help'], { out: (t) => { out += t; }, err: () => undefined, readStdin: () => Promise.resolve('') });
    assert.equal(code, 0);
    assert.equal(out, lintUsage + '\n');
  });
});
