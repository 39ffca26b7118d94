// `kscale why` and the kubectl plugin without a cluster: the words for each bounding rule and the
// history (why-text.ts), and the command against a small fake API server for every way it can fail.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DecisionSummary, HorizontalAutoscaler } from '../../src/api/types.ts';
import { main } from '../../src/cli/main.ts';
import { pluginMain } from '../../src/cli/kubectl-plugin.ts';
import { ago, explainAutoscaler, ruleText } from '../../src/cli/why-text.ts';
import { whyCommand } from '../../src/cli/why.ts';
import { decisionLine } from '../../src/engine/ledger.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const at = (secondsAgo: number): string => new Date(NOW - secondsAgo * 1000).toISOString();

function capture(): { io: { out(t: string): void; err(t: string): void; readStdin(): Promise<string> }; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (t) => { out += t; }, err: (t) => { err += t; }, readStdin: () => Promise.resolve('') }, stdout: () => out, stderr: () => err };
}

const scaleUp: DecisionSummary = {
  time: at(20), currentReplicas: 2, proposedReplicas: 5, desiredReplicas: 5, reason: 'cpu resource utilization (percentage of request) above target',
  metrics: [{ metric: 'cpu resource utilization (percentage of request)', replicas: 5, ratio: 2.5, current: '150%', target: '60%' }],
};
const held: DecisionSummary = {
  time: at(5), currentReplicas: 5, proposedReplicas: 2, desiredReplicas: 5, reason: 'All metrics below target', limitedBy: 'stabilization',
  metrics: [{ metric: 'cpu resource utilization (percentage of request)', replicas: 2, ratio: 0.35, current: '21%', target: '60%' }],
};

function autoscaler(status: HorizontalAutoscaler['status'], spec: Partial<HorizontalAutoscaler['spec']> = {}): HorizontalAutoscaler {
  return {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { namespace: 'shop', name: 'web' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, ...spec },
    ...(status ? { status } : {}),
  };
}

describe('why in words', () => {
  test('the latest decision: metrics against targets with proposals, the bounding rule, conditions, history newest first', () => {
    const hza = autoscaler({
      lastDecision: held, decisions: [decisionLine(scaleUp), decisionLine(held)], lastScaleTime: '2026-03-01T11:59:40Z',
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }],
    }, { behavior: { scaleDown: { stabilizationWindowSeconds: 120 } } });
    const text = explainAutoscaler(hza, NOW);
    assert.equal(text, [
      'HorizontalAutoscaler shop/web scales Deployment/web between 2 and 10 replicas.',
      '',
      `Latest decision, ${at(5)} (5s ago): stay at 5`,
      '  Reason: All metrics below target',
      '  Metrics (each proposes a replica count; the largest wins):',
      '    - cpu resource utilization (percentage of request): 21% against a target of 60%, ratio 0.350 → proposes 2 replicas',
      '  Proposed: 2 replicas',
      '  Bounded by: stabilization: a higher recommendation within the 2m window of behavior.scaleDown.stabilizationWindowSeconds holds the count at 5 instead of the proposed 2',
      '  Result: 5 replicas desired; last scaled 2026-03-01T11:59:40Z (20s ago)',
      '',
      'Conditions:',
      '  AbleToScale=True ScaleDownStabilized: recent recommendations were higher than current one, applying the highest recent recommendation',
      '',
      'Recent decisions, newest first (the ledger keeps the latest that changed the count or were held by a rule):',
      `  ${at(5)} (5s ago)  stay at 5 (proposed 2) — All metrics below target [bounded by stabilization]`,
      '      cpu resource utilization (percentage of request) 21%/60% ratio 0.35 → 2',
      `  ${at(20)} (20s ago)  scale up 2 → 5 — cpu resource utilization (percentage of request) above target`,
      '      cpu resource utilization (percentage of request) 150%/60% ratio 2.5 → 5',
      '',
    ].join('\n'));
  });

  test('each rule in words, with the numbers of the spec that explain it', () => {
    const d = (limitedBy: string | undefined, current: number, proposed: number | undefined, desired: number, reason = 'r'): DecisionSummary =>
      ({ time: at(1), currentReplicas: current, ...(proposed !== undefined ? { proposedReplicas: proposed } : {}), desiredReplicas: desired, reason, ...(limitedBy ? { limitedBy } : {}) });
    const plain = autoscaler(undefined);
    const behavior = autoscaler(undefined, { tolerance: '0.05', behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }], selectPolicy: 'Min' }, scaleDown: {} } });
    assert.equal(ruleText(d(undefined, 2, 5, 5), plain), 'none: the proposal (5) was applied as is');
    assert.equal(ruleText(d(undefined, 3, 3, 3), plain), 'none: the proposal equals the current count (3)');
    assert.equal(ruleText(d('tolerance', 4, 4, 4), plain), "tolerance: the usage-to-target ratio was within ±0.1 of 1.0 (the controller's --tolerance, default 0.1), so the count stays at 4");
    assert.equal(ruleText(d('tolerance', 4, 4, 4), behavior), 'tolerance: the usage-to-target ratio was within ±0.05 of 1.0 (spec), so the count stays at 4');
    assert.equal(ruleText(d('stabilization', 6, 2, 6), plain), "stabilization: a higher recommendation within the controller's --downscale-stabilization window (default 5m) holds the count at 6 instead of the proposed 2");
    assert.equal(ruleText(d('stabilization', 6, 2, 6), behavior), "stabilization: a higher recommendation within the controller's --downscale-stabilization window (default 5m) holds the count at 6 instead of the proposed 2");
    const upWindow = autoscaler(undefined, { behavior: { scaleUp: { stabilizationWindowSeconds: 90 } } });
    assert.equal(ruleText(d('stabilization', 2, 6, 4), upWindow), 'stabilization: a lower recommendation within the 90s window of behavior.scaleUp.stabilizationWindowSeconds holds the count at 4 instead of the proposed 6');
    assert.equal(ruleText(d('scaleUpLimit', 2, 9, 4), behavior), 'scale-up policy: behavior.scaleUp allows at most 2 pods per 1m or 50% per 1m, whichever allows less, so 4 instead of the proposed 9');
    assert.equal(ruleText(d('scaleDownLimit', 8, 1, 4), behavior), 'scale-down policy: behavior.scaleDown allows at most 100% per 15s, so 4 instead of the proposed 1');
    assert.equal(ruleText(d('maxReplicas', 8, 14, 10), plain), 'maxReplicas: capped at spec.maxReplicas 10 instead of the proposed 14');
    assert.equal(ruleText(d('minReplicas', 3, 1, 2), plain), 'minReplicas: raised to spec.minReplicas 2 instead of the proposed 1');
    assert.match(ruleText(d('invalidMetric', 3, 3, 3), plain), /no scale down while any metric is invalid/);
    assert.match(ruleText(d('scalingDisabled', 0, undefined, 0), plain), /target has 0 replicas/);
    assert.match(ruleText(d('paused', 2, 5, 5), plain), /paused by a kscale\.dev\/paused\* annotation/);
    assert.match(ruleText(d('dryRun', 2, 5, 5), plain), /spec\.dryRun: it decided 5 replicas/);
    assert.equal(ruleText(d('ambiguous', 2, undefined, 2, 'HorizontalPodAutoscaler shop/web also scales Deployment/web'), plain),
      'another autoscaler claims the same target or pods: HorizontalPodAutoscaler shop/web also scales Deployment/web');
  });

  test('a paused or dry-run decision says it would scale; a failed metric says why; currentMetrics stand in for missing proposals', () => {
    const paused = explainAutoscaler(autoscaler({ lastDecision: { time: at(3), currentReplicas: 2, proposedReplicas: 5, desiredReplicas: 5, reason: 'x above target', limitedBy: 'paused' } }), NOW);
    assert.match(paused, /: would scale up 2 → 5\n/);
    const failed = explainAutoscaler(autoscaler({
      lastDecision: { time: at(3), currentReplicas: 3, desiredReplicas: 3, reason: 'invalid metrics (1 invalid out of 1)', limitedBy: 'invalidMetric', metrics: [{ metric: 'pods metric qps', error: 'unable to get metric qps: no metrics returned' }] },
    }), NOW);
    assert.match(failed, /- pods metric qps: could not be computed: unable to get metric qps: no metrics returned\n/);
    const bare = explainAutoscaler(autoscaler({
      lastDecision: { time: at(3), currentReplicas: 3, desiredReplicas: 3, reason: 'no change' },
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55, averageValue: '55m' } } }],
    }), NOW);
    assert.match(bare, /Current metrics:\n {4}- resource cpu: 55% utilization\n/);
    assert.match(bare, /Recent decisions: none recorded/);
  });

  test('ages are coarse', () => {
    assert.deepEqual([0, 59_000, 119_000, 120_000, 7_199_000, 7_200_000, 172_800_000].map(ago), ['0s', '59s', '119s', '2m', '119m', '2h', '2d']);
  });
});

/** A fake API server: answers GETs from a table of path → [status, body]. */
describe('kscale why against an API server', () => {
  let server: Server;
  let url = '';
  let dir = '';
  const routes = new Map<string, [number, unknown]>();
  const seen: string[] = [];
  const status = (code: number, reason: string, message: string): [number, unknown] => [code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }];
  const GROUP = '/apis/kscale.dev/v1alpha1';
  const path = (ns: string, name: string): string => `${GROUP}/namespaces/${ns}/horizontalautoscalers/${name}`;

  before(async () => {
    server = createServer((req, res) => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push(p);
      const [code, body] = routes.get(p) ?? status(404, 'NotFound', 'the server could not find the requested resource');
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    dir = await mkdtemp(join(tmpdir(), 'kscale-why-'));
    routes.set(GROUP, [200, { kind: 'APIResourceList', groupVersion: 'kscale.dev/v1alpha1', resources: [] }]);
    // As the previous version wrote it: structured ledger entries (why converts them to lines).
    routes.set(path('shop', 'web'), [200, autoscaler({ lastDecision: held, decisions: [scaleUp, held] as unknown as string[] })]);
    routes.set(path('shop', 'lines'), [200, autoscaler({ decisions: [decisionLine(scaleUp), decisionLine(held)] })]);
    routes.set(path('shop', 'new'), [200, autoscaler(undefined)]);
    routes.set(path('shop', 'secret'), status(403, 'Forbidden', 'horizontalautoscalers.kscale.dev "secret" is forbidden: User "u" cannot get resource'));
    routes.set(path('shop', 'gone'), status(404, 'NotFound', 'horizontalautoscalers.kscale.dev "gone" not found'));
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const why = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const c = capture();
    const code = await main(['why', ...args], c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  test('explains an object; -o json prints the ledger as lines, also when an older version wrote it structured', async () => {
    const text = await why(['shop/web', '--server', url]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^HorizontalAutoscaler shop\/web scales Deployment\/web/);
    assert.match(text.stdout, /Bounded by: stabilization/);
    const json = await why(['shop/web', '--server', url, '-o', 'json']);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), { lastDecision: held, decisions: [decisionLine(scaleUp), decisionLine(held)] });
    // Without lastDecision, the newest ledger line is the latest decision.
    const lines = await why(['shop/lines', '--server', url]);
    assert.equal(lines.code, 0, lines.stderr);
    assert.match(lines.stdout, /Latest decision, \S+ \(\w+ ago\): stay at 5\n {2}Reason: All metrics below target\n/);
    assert.match(lines.stdout, /Bounded by: stabilization: .* holds the count at 5 instead of the proposed 2/);
  });

  test('one line and exit 1 for: not found, CRD missing, no decision yet, forbidden, unreachable', async () => {
    const cases: [string[], RegExp][] = [
      [['shop/gone', '--server', url], /^kscale why: HorizontalAutoscaler shop\/gone not found\n$/],
      [['shop/new', '--server', url], /^kscale why: HorizontalAutoscaler shop\/new has no decision yet: kscale has not evaluated it \(is the controller running and watching namespace shop\?\)\n$/],
      [['shop/secret', '--server', url], /^kscale why: not allowed to read HorizontalAutoscaler shop\/secret: .*forbidden.*\n$/],
    ];
    for (const [args, want] of cases) {
      const r = await why(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, want);
      assert.equal(r.stdout, '');
    }
    routes.delete(GROUP); // the CRD is not installed: discovery of the group fails too
    try {
      const r = await why(['shop/gone', '--server', url]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `kscale why: the HorizontalAutoscaler CRD (horizontalautoscalers.kscale.dev) is not installed on ${url}: kubectl apply -f deploy/crd/horizontalautoscalers.kscale.dev.yaml\n`);
    } finally {
      routes.set(GROUP, [200, { kind: 'APIResourceList', resources: [] }]);
    }
    // A port nothing listens on: the closed server's own.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const addr = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const dead = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 1}`;
    const r = await why(['shop/web', '--server', dead]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^kscale why: cannot reach the API server at ${dead.replaceAll('.', '\\.')}: .*ECONNREFUSED.*\\n$`));
  });

  test('bad arguments and a missing kubeconfig exit 2 with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^kscale why: expected NAMESPACE\/NAME/],
      [['a/b', 'c/d', '--server', url], /^kscale why: expected one NAMESPACE\/NAME or NAME/],
      [['Shop/web', '--server', url], /^kscale why: "Shop" is not a valid namespace\n$/],
      [['shop/web', '-n', 'other', '--server', url], /^kscale why: shop\/web names namespace shop but -n says other\n$/],
      [['shop/web', '-o', 'yaml', '--server', url], /^kscale why: --output must be text or json/],
      [['shop/web', '--kubeconfig', join(dir, 'missing')], /^kscale why: (--)?kubeconfig .*missing does not exist\n$/],
      [['shop/web', '--bogus'], /^kscale why: Unknown option '--bogus'/],
    ];
    for (const [args, want] of cases) {
      const r = await why(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('the namespace as kubectl finds it: -n, else the context namespace of --kubeconfig/--context, else default', async () => {
    const kubeconfig = join(dir, 'config');
    await writeFile(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'a',
      clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'a', context: { cluster: 'c', user: 'u', namespace: 'shop' } }, { name: 'b', context: { cluster: 'c', user: 'u' } }],
    }));
    const c = capture();
    seen.length = 0;
    assert.equal(await whyCommand(['web', '--kubeconfig', kubeconfig], c.io, () => NOW), 0, c.stderr());
    assert.equal(await whyCommand(['web', '--kubeconfig', kubeconfig, '-n', 'shop', '--context', 'b'], c.io, () => NOW), 0, c.stderr());
    assert.equal(await whyCommand(['web', '--kubeconfig', kubeconfig, '--context', 'b'], c.io, () => NOW), 1);
    assert.deepEqual(seen, [path('shop', 'web'), path('shop', 'web'), path('default', 'web'), GROUP]);
  });

  test('the kubectl plugin runs the same why, names itself in errors, and offers lint', async () => {
    const a = capture();
    assert.equal(await pluginMain(['why', 'shop/web', '--server', url, '-o', 'json'], a.io), 0, a.stderr());
    assert.deepEqual(JSON.parse(a.stdout()), { lastDecision: held, decisions: [decisionLine(scaleUp), decisionLine(held)] });
    const b = capture();
    assert.equal(await pluginMain(['why', 'shop/gone', '--server', url], b.io), 1);
    assert.equal(b.stderr(), 'kubectl kscale why: HorizontalAutoscaler shop/gone not found\n');
    const c = capture();
    assert.equal(await pluginMain(['lint'], c.io), 2);
    assert.equal(c.stderr(), 'kubectl kscale lint: give -f FILE|DIR (one or more) or --live NAMESPACE/NAME\n');
    const d = capture();
    assert.equal(await pluginMain([], d.io), 0);
    assert.match(d.stdout(), /^Usage: kubectl kscale <command>/);
    for (const name of ['why', 'decide', 'simulate', 'lint']) assert.match(d.stdout(), new RegExp(`\\n  ${name} +\\S`));
    const e = capture();
    assert.equal(await pluginMain(['run'], e.io), 2, 'the controller is not a plugin command');
    assert.match(e.stderr(), /^kubectl kscale: unknown command "run"/);
    const f = capture();
    assert.equal(await pluginMain(['decide', '--help'], f.io), 0);
    assert.match(f.stdout(), /Or on a live cluster: kscale decide NAMESPACE\/NAME/);
    const g = capture();
    assert.equal(await pluginMain(['decide', 'shop/gone', '--server', url], g.io), 2);
    assert.equal(g.stderr(), 'kubectl kscale decide: HorizontalAutoscaler shop/gone not found\n');
  });
});
