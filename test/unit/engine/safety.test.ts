// Fallback on metric failure and the safety gates (issue 12 items 1 and 2): table tests for every rule
// and its edges, and their interplay. Each runs decide() pass after pass, feeding the status each
// decision returns into the next (as the controller and the simulator do).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HorizontalAutoscalerSpec, HorizontalAutoscalerStatus, MetricFallback, MetricSpec } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import { ledgerEntries } from '../../../src/engine/ledger.ts';
import type { Decision, MetricFetch } from '../../../src/engine/snapshot.ts';
import { formatFieldErrors, validateSpec } from '../../../src/api/validation.ts';
import { NOW, autoscaler, iso, pod, podMetrics, scale, snapshot } from '../../support/builders.ts';

const queue = (o: { target?: string; fallback?: MetricFallback; name?: string } = {}): MetricSpec => ({
  type: 'External',
  external: { metric: { name: o.name ?? 'queue' }, target: { type: 'AverageValue', averageValue: o.target ?? '10' }, ...(o.fallback ? { fallback: o.fallback } : {}) },
});
const cpu = (fallback?: MetricFallback): MetricSpec => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 }, ...(fallback ? { fallback } : {}) } });

/** One pass's input: seconds after NOW, and what each metric entry's fetch returned (a value, or 'down'). */
interface Step { at: number; values: string[]; cpu?: string; ageSeconds?: number }

const fetchOf = (v: string, name: string, now: number, ageSeconds: number): MetricFetch =>
  v === 'down' ? { error: 'the server is currently unable to handle the request' }
    : { external: [{ metricName: name, metricLabels: {}, timestamp: iso(now - ageSeconds * 1000), value: v }] };

/** Runs passes in order; the replica count follows each scale, the status carries over. */
function run(spec: Partial<HorizontalAutoscalerSpec>, replicas: number, steps: readonly Step[], status?: HorizontalAutoscalerStatus): Decision[] {
  let current = replicas;
  let st = status;
  const metrics = spec.metrics ?? [];
  return steps.map((s) => {
    const now = NOW + s.at * 1000;
    const pods = Array.from({ length: current }, (_, i) => pod(`web-${i}`));
    const d = decide(snapshot({
      autoscaler: autoscaler(spec, st), scale: scale(current), pods, now,
      metricValues: metrics.map((m, i) => (m.type === 'External' ? fetchOf(s.values[i] ?? 'down', m.external?.metric.name ?? '', now, s.ageSeconds ?? 0) : undefined)),
      podMetrics: s.cpu === 'down' ? { error: 'metrics-server unavailable' }
        : s.cpu === undefined ? [] : pods.map((p) => podMetrics(p.metadata.name, { cpu: s.cpu as string }, { ageSeconds: s.ageSeconds ?? 0 })),
    }));
    st = d.status;
    if (d.scaleTo !== null) current = d.scaleTo;
    return d;
  });
}

const last = <T>(l: readonly T[]): T => { const x = l.at(-1); assert.ok(x !== undefined); return x; };
const reasons = (d: Decision): string[] => d.events.map((e) => e.reason);
const condition = (d: Decision, type: string) => d.status.conditions?.find((c) => c.type === type);
const noWindow = { scaleDown: { stabilizationWindowSeconds: 0 } };

describe('fallback on metric failure', () => {
  const spec = { metrics: [queue({ fallback: { failureDurationSeconds: 180, replicas: 8 } })], maxReplicas: 20 };
  // 5 pods, 50 in the queue at 10 per pod: on target, steady.
  const steady = { at: 0, values: ['50'] };

  test('not yet due: the failing metric is invalid as upstream has it (held), and its failure time is kept', () => {
    const ds = run(spec, 5, [steady, { at: 15, values: ['down'] }, { at: 180, values: ['down'] }]);
    const d = last(ds);
    assert.equal(d.scaleTo, null);
    assert.equal(d.explanation.limitedBy, 'invalidMetric');
    assert.deepEqual(d.status.metricHistory, [{ index: 0, metric: 'External queue', firstFailureTime: iso(NOW + 15_000) }]);
    assert.ok(!ds.some((x) => reasons(x).includes('FallbackActivated')));
    assert.equal(condition(d, 'FallbackActive'), undefined);
  });

  test('due after failureDurationSeconds (inclusive): the fallback proposes its replicas, with Event, condition and ledger', () => {
    const ds = run(spec, 5, [steady, { at: 15, values: ['down'] }, { at: 195, values: ['down'] }, { at: 210, values: ['down'] }]);
    const [, , due, after] = ds;
    assert.ok(due && after);
    assert.equal(due.scaleTo, 8);
    assert.ok(reasons(due).includes('FallbackActivated'), reasons(due).join());
    assert.match(due.events.find((e) => e.reason === 'FallbackActivated')?.message ?? '', /external metric queue has failed for 180 s .* fallback of 8 replicas/);
    assert.equal(due.events.find((e) => e.reason === 'FallbackActivated')?.type, 'Warning');
    assert.deepEqual(pick(condition(due, 'FallbackActive')), { status: 'True', reason: 'FallbackActivated' });
    assert.deepEqual(pick(condition(due, 'ScalingActive')), { status: 'True', reason: 'ValidMetricFound' });
    assert.match(due.rescaleReason ?? '', /external metric queue \(fallback\) above target/);
    assert.deepEqual(due.status.lastDecision?.metrics?.[0]?.fallback, { replicas: 8, since: iso(NOW + 15_000) });
    assert.equal(due.status.metricHistory?.[0]?.fallbackActive, true);
    assert.equal(due.explanation.metrics[0]?.replicas, 8);
    assert.ok(!reasons(after).includes('FallbackActivated'), 'the Event is sent when the fallback starts, not on every pass');
    assert.equal(after.scaleTo, null);
  });

  test('ends on recovery: Event FallbackDeactivated, condition False, history cleared, and normal scaling resumes', () => {
    const ds = run({ ...spec, behavior: noWindow }, 5, [steady, { at: 15, values: ['down'] }, { at: 200, values: ['down'] }, { at: 215, values: ['30'] }]);
    const d = last(ds);
    assert.ok(reasons(d).includes('FallbackDeactivated'));
    assert.deepEqual(pick(condition(d, 'FallbackActive')), { status: 'False', reason: 'FallbackDeactivated' });
    assert.equal(d.status.metricHistory, undefined);
    assert.equal(d.scaleTo, 3, '30 over 8 pods at 10 per pod: 3, no longer the fallback\'s 8');
  });

  test('a success in between restarts the failure clock', () => {
    const ds = run(spec, 5, [steady, { at: 15, values: ['down'] }, { at: 100, values: ['50'] }, { at: 115, values: ['down'] }, { at: 200, values: ['down'] }]);
    assert.equal(last(ds).scaleTo, null);
    assert.equal(last(ds).status.metricHistory?.[0]?.firstFailureTime, iso(NOW + 115_000));
  });

  test('never below what the other valid metrics propose: the fallback joins the maximum', () => {
    const both = { metrics: [queue({ fallback: { failureDurationSeconds: 60, replicas: 4 } }), queue({ name: 'orders' })], behavior: noWindow, maxReplicas: 20 };
    // orders: 90 over 6 pods at target 10 → 9; queue down with fallback 4 → max(4, 9) = 9.
    const ds = run(both, 6, [{ at: 0, values: ['60', '60'] }, { at: 15, values: ['down', '60'] }, { at: 90, values: ['down', '90'] }]);
    assert.equal(last(ds).scaleTo, 9);
    assert.equal(last(ds).explanation.proposedBy, 'external metric orders');
    // orders falls to 10 → 1; the fallback's 4 holds the floor: 6 → 4, not 1.
    const down = run(both, 6, [{ at: 0, values: ['60', '60'] }, { at: 15, values: ['down', '60'] }, { at: 90, values: ['down', '10'] }]);
    assert.equal(last(down).scaleTo, 4);
  });

  test('a fallback scales down to its replicas when it is the only metric (its replicas are what the user asked for)', () => {
    const ds = run({ ...spec, behavior: noWindow }, 12, [{ at: 0, values: ['120'] }, { at: 15, values: ['down'] }, { at: 200, values: ['down'] }]);
    assert.equal(last(ds).scaleTo, 8);
  });

  test('another invalid metric without a fallback still forbids scaling down (upstream\'s rule)', () => {
    const two = { metrics: [queue({ fallback: { failureDurationSeconds: 60, replicas: 2 } }), queue({ name: 'orders' })], behavior: noWindow };
    const ds = run(two, 6, [{ at: 0, values: ['60', '60'] }, { at: 15, values: ['down', 'down'] }, { at: 90, values: ['down', 'down'] }]);
    assert.equal(last(ds).scaleTo, null);
    assert.equal(last(ds).explanation.limitedBy, 'invalidMetric');
  });

  test('every metric source type offers it: a Resource metric whose metrics API is down', () => {
    const ds = run({ metrics: [cpu({ failureDurationSeconds: 30, replicas: 7 })] }, 3, [{ at: 0, values: [], cpu: '500m' }, { at: 15, values: [], cpu: 'down' }, { at: 45, values: [], cpu: 'down' }]);
    assert.equal(last(ds).scaleTo, 6, 'the fallback 7 within the legacy limit of max(2 × 3, 4)');
    assert.ok(reasons(last(ds)).includes('FallbackActivated'));
  });

  test('the fallback is bounded by maxReplicas like any proposal', () => {
    const ds = run({ metrics: [queue({ fallback: { failureDurationSeconds: 15, replicas: 50 } })], maxReplicas: 9 }, 5, [steady, { at: 15, values: ['down'] }, { at: 30, values: ['down'] }]);
    assert.equal(last(ds).scaleTo, 9);
  });

  test('without fallback and gates nothing changes: no metricHistory, no new condition (parity)', () => {
    const ds = run({ metrics: [queue()] }, 5, [steady, { at: 15, values: ['down'] }, { at: 400, values: ['down'] }, { at: 415, values: ['0'] }]);
    for (const d of ds) {
      assert.equal(d.status.metricHistory, undefined);
      assert.equal(condition(d, 'FallbackActive'), undefined);
    }
  });
});

const pick = (c: { status?: string; reason?: string } | undefined): { status?: string; reason?: string } => ({ status: c?.status, reason: c?.reason });

describe('safety gate staleMetrics', () => {
  const spec = (maxAgeSyncPeriods?: number) => ({ metrics: [queue()], safety: { staleMetrics: maxAgeSyncPeriods === undefined ? {} : { maxAgeSyncPeriods } } });

  const cases = [
    { name: 'older than 8 × 15 s by default: held', periods: undefined, age: 121, held: true },
    { name: 'exactly 8 × 15 s: not stale', periods: undefined, age: 120, held: false },
    { name: 'maxAgeSyncPeriods 2: 31 s is stale', periods: 2, age: 31, held: true },
    { name: 'maxAgeSyncPeriods 2: 30 s is not', periods: 2, age: 30, held: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = last(run(spec(c.periods), 3, [{ at: 0, values: ['90'], ageSeconds: c.age }]));
      if (c.held) {
        assert.equal(d.scaleTo, null);
        assert.equal(d.explanation.limitedBy, 'staleMetrics');
        assert.deepEqual(pick(condition(d, 'AbleToScale')), { status: 'False', reason: 'StaleMetricsGate' });
        assert.equal(d.events.find((e) => e.reason === 'StaleMetricsGate')?.type, 'Warning');
        assert.match(d.status.lastDecision?.reason ?? '', /safety gate staleMetrics: the newest sample of external metric queue is \d+ s old/);
        assert.equal(ledgerEntries(d.status.decisions).at(-1)?.limitedBy, 'staleMetrics', 'the ledger records the hold');
        assert.equal(d.desiredReplicas, 3);
      } else {
        assert.equal(d.scaleTo, 6);
      }
    });
  }

  test('no change to hold: nothing trips, even on stale samples', () => {
    const d = last(run(spec(1), 3, [{ at: 0, values: ['30'], ageSeconds: 600 }]));
    assert.equal(d.explanation.limitedBy, undefined);
    assert.ok(!reasons(d).includes('StaleMetricsGate'));
  });

  test('Resource metrics: the newest PodMetrics sample counts', () => {
    const stale = last(run({ metrics: [cpu()], safety: { staleMetrics: {} } }, 3, [{ at: 0, values: [], cpu: '900m', ageSeconds: 200 }]));
    assert.equal(stale.explanation.limitedBy, 'staleMetrics');
    const fresh = last(run({ metrics: [cpu()], safety: { staleMetrics: {} } }, 3, [{ at: 0, values: [], cpu: '900m', ageSeconds: 20 }]));
    assert.equal(fresh.scaleTo, 6);
  });
});

describe('safety gate dropToZero', () => {
  // Pinned at maxReplicas 6 by the queue at 150 % of target, so that the passes before the drop do not scale.
  const spec = (o: { minPreviousPercent?: number; holdSeconds?: number } = {}) => ({ metrics: [queue()], maxReplicas: 6, behavior: noWindow, safety: { dropToZero: o } });

  test('a metric at 150 % of target that reads 0 with the pods running: the scale-down is held, and says which gate', () => {
    // 6 pods, 90 → 15 per pod (150 %); then 0. An unconfigured autoscaler goes 6 → 1 (minReplicas) at once.
    const held = last(run(spec(), 6, [{ at: 0, values: ['90'] }, { at: 15, values: ['0'] }]));
    assert.equal(held.scaleTo, null);
    assert.equal(held.explanation.limitedBy, 'dropToZero');
    assert.deepEqual(pick(condition(held, 'AbleToScale')), { status: 'False', reason: 'DropToZeroGate' });
    assert.match(held.events.find((e) => e.reason === 'DropToZeroGate')?.message ?? '', /external metric queue dropped to 0 from at least 150% of its target/);
    const unconfigured = last(run({ metrics: [queue()], maxReplicas: 6, behavior: noWindow }, 6, [{ at: 0, values: ['90'] }, { at: 15, values: ['0'] }]));
    assert.equal(unconfigured.scaleTo, 1);
  });

  const edges = [
    { name: 'from 149 % (below the default 150 %): not a drop', before: '89.4', opts: {}, held: false },
    { name: 'from exactly 150 %: a drop', before: '90', opts: {}, held: true },
    { name: 'minPreviousPercent 100: from 100 % is a drop', before: '60', opts: { minPreviousPercent: 100 }, held: true },
    { name: 'to 1 rather than 0: not a drop to zero', before: '90', after: '1', opts: {}, held: false },
  ];
  for (const e of edges) {
    test(e.name, () => {
      const d = last(run(spec(e.opts), 6, [{ at: 0, values: [e.before] }, { at: 15, values: [e.after ?? '0'] }]));
      assert.equal(d.explanation.limitedBy === 'dropToZero', e.held, `${d.explanation.limitedBy} ${d.scaleTo}`);
    });
  }

  test('held while it stays 0 for less than holdSeconds after the drop; believed at holdSeconds', () => {
    const ds = run(spec({ holdSeconds: 60 }), 6, [{ at: 0, values: ['90'] }, { at: 15, values: ['0'] }, { at: 60, values: ['0'] }, { at: 75, values: ['0'] }]);
    assert.deepEqual(ds.map((d) => (d.scaleTo !== null ? `→${d.scaleTo}` : d.explanation.limitedBy ?? 'none')), ['maxReplicas', 'dropToZero', 'dropToZero', '→1']);
  });

  test('a value back above 0 ends it; a later drop from well above target is a new drop', () => {
    const ds = run(spec({ holdSeconds: 60 }), 6, [{ at: 0, values: ['90'] }, { at: 15, values: ['0'] }, { at: 30, values: ['90'] }, { at: 90, values: ['0'] }]);
    assert.equal(last(ds).explanation.limitedBy, 'dropToZero');
    assert.equal(last(ds).status.metricHistory?.[0]?.droppedToZeroTime, iso(NOW + 90_000));
  });

  test('a scale-up is never held by it', () => {
    const two = { metrics: [queue(), queue({ name: 'orders' })], maxReplicas: 20, behavior: noWindow, safety: { dropToZero: {} } };
    const d = last(run(two, 6, [{ at: 0, values: ['90', '60'] }, { at: 15, values: ['0', '120'] }]));
    assert.equal(d.scaleTo, 12);
  });
});

describe('safety gate maxJump', () => {
  const spec = (o: { percent?: number; minChange?: number } = {}) => ({ metrics: [queue()], maxReplicas: 50, behavior: { scaleUp: { policies: [{ type: 'Pods' as const, value: 100, periodSeconds: 15 }] } }, safety: { maxJump: o } });

  test('a change of more than 100 % of the median recent recommendation is held until the recommendations come closer', () => {
    // 4 pods steady at target, then 4 × 10 per pod → 16 wanted: a change of 12 against a median of 4.
    const ds = run(spec(), 4, [{ at: 0, values: ['40'] }, { at: 15, values: ['40'] }, { at: 30, values: ['160'] }, { at: 45, values: ['160'] }, { at: 345, values: ['160'] }]);
    const [, , first, second, later] = ds;
    assert.ok(first && second && later);
    assert.equal(first.explanation.limitedBy, 'maxJump');
    assert.deepEqual(pick(condition(first, 'AbleToScale')), { status: 'False', reason: 'MaxJumpGate' });
    assert.match(first.events.find((e) => e.reason === 'MaxJumpGate')?.message ?? '', /a change of 12 replicas \(4 → 16\) is more than 100% of the median recent recommendation \(4\)/);
    assert.equal(second.explanation.limitedBy, 'maxJump', 'median of {4, 16} is 10: 12 > 10');
    assert.equal(later.scaleTo, 16, 'once the older recommendations left the 300 s window');
  });

  const edges = [
    { name: 'a change of exactly percent % of the median passes', opts: { percent: 300 }, held: false },
    { name: 'one replica fewer than allowed is held', opts: { percent: 299 }, held: true },
    { name: 'changes of at most minChange replicas pass', opts: { percent: 1, minChange: 12 }, held: false },
  ];
  for (const e of edges) {
    test(e.name, () => {
      const d = last(run(spec(e.opts), 4, [{ at: 0, values: ['40'] }, { at: 15, values: ['160'] }]));
      assert.equal(d.explanation.limitedBy === 'maxJump', e.held, `${d.explanation.limitedBy} ${d.scaleTo}`);
    });
  }
});

describe('gates and fallback together', () => {
  test('a change driven by a fallback is not held as a jump, and its metric is not checked for staleness (it has no samples)', () => {
    const spec = { metrics: [queue({ fallback: { failureDurationSeconds: 15, replicas: 20 } })], maxReplicas: 30, behavior: { scaleUp: { policies: [{ type: 'Pods' as const, value: 100, periodSeconds: 15 }] } },
      safety: { maxJump: {}, staleMetrics: { maxAgeSyncPeriods: 1 } } };
    const ds = run(spec, 4, [{ at: 0, values: ['40'] }, { at: 15, values: ['down'] }, { at: 30, values: ['down'] }]);
    assert.equal(last(ds).scaleTo, 20);
  });

  test('an outage is not a drop to zero; a return at 0 after it is (the last value is remembered through the outage)', () => {
    const spec = { metrics: [queue({ fallback: { failureDurationSeconds: 600, replicas: 6 } })], maxReplicas: 6, behavior: noWindow, safety: { dropToZero: {} } };
    const ds = run(spec, 6, [{ at: 0, values: ['90'] }, { at: 15, values: ['down'] }, { at: 30, values: ['down'] }, { at: 45, values: ['0'] }]);
    assert.deepEqual(ds.map((d) => d.explanation.limitedBy ?? 'none'), ['maxReplicas', 'invalidMetric', 'invalidMetric', 'dropToZero']);
  });

  test('the history survives a restart: a resumed pass reads firstFailureTime from the persisted status', () => {
    const spec = { metrics: [queue({ fallback: { failureDurationSeconds: 60, replicas: 9 } })], maxReplicas: 20 };
    const first = run(spec, 5, [{ at: 0, values: ['50'] }, { at: 15, values: ['down'] }]);
    const persisted = last(first).status;
    const pods = Array.from({ length: 5 }, (_, i) => pod(`web-${i}`));
    const d = decide(snapshot({ autoscaler: autoscaler(spec, persisted), scale: scale(5), pods, now: NOW + 75_000, resumed: true, metricValues: [{ error: 'down' }] }));
    assert.equal(d.scaleTo, 9);
  });
});

describe('validation of fallback and safety', () => {
  const base = { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5 };
  const cases: { name: string; spec: unknown; errors: RegExp }[] = [
    { name: 'fallback without replicas', spec: { ...base, metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' }, fallback: {} } }] }, errors: /spec\.metrics\[0\]\.external\.fallback\.replicas: Required value/ },
    { name: 'fallback replicas 0', spec: { ...base, metrics: [{ type: 'Pods', pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' }, fallback: { replicas: 0 } } }] }, errors: /pods\.fallback\.replicas: must be greater than or equal to 1, got 0/ },
    { name: 'failureDurationSeconds 0', spec: { ...base, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 }, fallback: { replicas: 2, failureDurationSeconds: 0 } } }] }, errors: /resource\.fallback\.failureDurationSeconds: must be greater than or equal to 1/ },
    { name: 'fallback not an object', spec: { ...base, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 }, fallback: 3 } }] }, errors: /resource\.fallback: must be an object/ },
    { name: 'safety not an object', spec: { ...base, safety: 'on' }, errors: /spec\.safety: must be an object/ },
    { name: 'maxAgeSyncPeriods 0', spec: { ...base, safety: { staleMetrics: { maxAgeSyncPeriods: 0 } } }, errors: /spec\.safety\.staleMetrics\.maxAgeSyncPeriods: must be greater than or equal to 1/ },
    { name: 'holdSeconds 1.5', spec: { ...base, safety: { dropToZero: { holdSeconds: 1.5 } } }, errors: /spec\.safety\.dropToZero\.holdSeconds: must be an integer/ },
    { name: 'maxJump percent -1', spec: { ...base, safety: { maxJump: { percent: -1 } } }, errors: /spec\.safety\.maxJump\.percent: must be greater than or equal to 1/ },
  ];
  for (const c of cases) {
    test(c.name, () => { assert.match(formatFieldErrors(validateSpec(c.spec)), c.errors); });
  }

  test('an invalid safety spec is reported (InvalidSpec condition and Event) and never scales', () => {
    const d = decide(snapshot({ autoscaler: autoscaler({ metrics: [queue()], safety: { maxJump: { percent: 0 } } }), scale: scale(3), metricValues: [{ external: [{ metricName: 'queue', timestamp: iso(NOW), value: '900' }] }] }));
    assert.equal(d.scaleTo, null);
    assert.deepEqual(pick(condition(d, 'ScalingActive')), { status: 'False', reason: 'InvalidSpec' });
    assert.ok(reasons(d).includes('InvalidSpec'));
  });

  test('the defaults validate', () => {
    assert.deepEqual(validateSpec({ ...base, safety: { staleMetrics: {}, dropToZero: {}, maxJump: {} }, metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' }, fallback: { replicas: 3 } } }] }), []);
  });
});
