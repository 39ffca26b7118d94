// Which pods a decision reads (issue 12 items 3 and 4): selectionStrategy OwnerReference leaves out
// pods the target does not own (engine/pod-selection.ts), and rollout.policy ExcludeSurge bounds a
// scale-up during a rollout by what the pods of spec.replicas propose (engine/rollout.ts). Table tests
// over decide(); each case also states what upstream (the same snapshot without the field) decides.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HorizontalAutoscalerSpec, MetricSpec } from '../../../src/api/types.ts';
import { validateSpec } from '../../../src/api/validation.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { PodOwnership } from '../../../src/engine/pod-selection.ts';
import { boundByRollout, type RolloutState } from '../../../src/engine/rollout.ts';
import type { MetricContext, MetricResult } from '../../../src/engine/metric-sources.ts';
import type { MetricFetch, Snapshot } from '../../../src/engine/snapshot.ts';
import { autoscaler, cpuUtilization, externalValue, pod, podMetrics, podsMetricValue, scale, snapshot } from '../../support/builders.ts';

/** Pods web-0…web-(n-1) at the given milli-CPU each (request 1 CPU: 1000m is 100 %). */
function cpuPods(milli: readonly number[]): Pick<Snapshot, 'pods' | 'podMetrics'> {
  return {
    pods: milli.map((_, i) => pod(`web-${i}`)),
    podMetrics: milli.map((m, i) => podMetrics(`web-${i}`, { cpu: `${m}m` })),
  };
}

const rollout = (surge: string[], o: Partial<RolloutState> = {}): RolloutState => ({
  workload: 'Deployment/web', reason: '5 pods for spec.replicas 4', desiredReplicas: 4, old: ['web-0', 'web-1', 'web-2', 'web-3'], surge, ...o,
});

const EXCLUDE: Partial<HorizontalAutoscalerSpec> = { rollout: { policy: 'ExcludeSurge' } };

describe('rollout.policy ExcludeSurge', () => {
  interface Case {
    name: string;
    spec?: Partial<HorizontalAutoscalerSpec>;
    scale: ReturnType<typeof scale>;
    input: Partial<Snapshot>;
    rollout?: RolloutState;
    upstream: number;
    want: number;
    limitedBy?: string;
  }
  const cases: Case[] = [
    {
      // 4 pods at target, 1 surge pod warming up at 170 %: 114 % over 5 pods → ceil(1.14 × 5) = 6;
      // the 4 pods of spec.replicas are at 100 %, within tolerance → 4.
      name: 'a hot surge pod does not ratchet the count up',
      scale: scale(4, { statusReplicas: 5 }), input: cpuPods([1000, 1000, 1000, 1000, 1700]), rollout: rollout(['web-4']),
      upstream: 6, want: 4, limitedBy: 'rollout',
    },
    {
      // Real load: 150 % everywhere → upstream ceil(1.5 × 5) = 8; over the 4 kept pods ceil(1.5 × 4) = 6.
      name: 'a real load rise still scales up, by what the pods of spec.replicas justify',
      scale: scale(4, { statusReplicas: 5 }), input: cpuPods([1500, 1500, 1500, 1500, 1500]), rollout: rollout(['web-4']),
      upstream: 8, want: 6, limitedBy: 'rollout',
    },
    {
      name: 'a scale-down proposal is upstream\'s',
      scale: scale(4, { statusReplicas: 5 }), input: cpuPods([400, 400, 400, 400, 400]), rollout: rollout(['web-4']),
      upstream: 2, want: 2,
    },
    {
      name: 'no rollout in the snapshot: upstream\'s',
      scale: scale(4, { statusReplicas: 5 }), input: cpuPods([1000, 1000, 1000, 1000, 1700]),
      upstream: 6, want: 6,
    },
    {
      name: 'policy Upstream: upstream\'s, rollout or not',
      spec: { rollout: { policy: 'Upstream' } },
      scale: scale(4, { statusReplicas: 5 }), input: cpuPods([1000, 1000, 1000, 1000, 1700]), rollout: rollout(['web-4']),
      upstream: 6, want: 6,
    },
    {
      // External AverageValue 1/pod, total 8.4: over status.replicas 10 the ratio is 0.84, outside the
      // tolerance → ceil(8.4) = 9 although at 8 pods it is 1.05, within → 8 (upstream's surge drift).
      name: 'External AverageValue: status.replicas is counted as spec.replicas',
      spec: { metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '1' } } }] },
      scale: scale(8, { statusReplicas: 10 }),
      input: { pods: Array.from({ length: 10 }, (_, i) => pod(`web-${i}`)), metricValues: [{ external: [externalValue('queue', '8400m')] } satisfies MetricFetch] },
      rollout: rollout(['web-8', 'web-9'], { desiredReplicas: 8, reason: '10 pods for spec.replicas 8' }),
      upstream: 9, want: 8, limitedBy: 'rollout',
    },
    {
      // Object Value metric: ratio 1.5 × ready pods (5 with the surge pod) = 8; × 4 kept pods = 6.
      name: 'Object Value: the ready-pod count leaves the surge pods out',
      spec: { metrics: [{ type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'rps' }, target: { type: 'Value', value: '100' } } }] },
      scale: scale(4, { statusReplicas: 5 }),
      input: {
        pods: [0, 1, 2, 3, 4].map((i) => pod(`web-${i}`)),
        metricValues: [{ custom: [{ describedObject: { kind: 'Service', name: 'web', namespace: 'default', apiVersion: 'v1' }, metric: { name: 'rps' }, timestamp: new Date().toISOString(), value: '150' }] }],
      },
      rollout: rollout(['web-4']),
      upstream: 8, want: 6, limitedBy: 'rollout',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const input = { scale: c.scale, ...c.input, ...(c.rollout ? { rollout: c.rollout } : {}) };
      // Proposals are compared (before stabilization and rate limits, which apply alike to both).
      const spec = { maxReplicas: 20, metrics: [cpuUtilization(100)], ...c.spec };
      const upstream = decide(snapshot({ autoscaler: autoscaler({ ...spec, rollout: undefined }), ...input }));
      assert.equal(upstream.explanation.proposed, c.upstream, `upstream: ${upstream.explanation.steps.join(' | ')}`);
      const d = decide(snapshot({ autoscaler: autoscaler({ maxReplicas: 20, metrics: [cpuUtilization(100)], ...EXCLUDE, ...c.spec }), ...input }));
      assert.equal(d.explanation.proposed, c.want, d.explanation.steps.join(' | '));
      if (c.limitedBy) assert.equal(d.explanation.limitedBy, c.limitedBy);
      else assert.notEqual(d.explanation.limitedBy, 'rollout');
    });
  }

  test('the explanation names the rollout, the surge pods left out and both proposals', () => {
    const d = decide(snapshot({ autoscaler: autoscaler({ maxReplicas: 20, ...EXCLUDE, metrics: [cpuUtilization(100)] }), scale: scale(4, { statusReplicas: 5 }), ...cpuPods([1000, 1000, 1000, 1000, 1700]), rollout: rollout(['web-4']) }));
    const steps = d.explanation.steps.join('\n');
    assert.match(steps, /Deployment\/web is rolling out \(5 pods for spec.replicas 4\): 4 pods of older revisions, 1 surge pods beyond spec.replicas 4 \(web-4\)/);
    assert.match(steps, /proposes 6 over all pods; over the 4 pods of spec.replicas 4 \(1 surge pods left out: web-4\) and status.replicas 5 counted as 4 it proposes 4: bounded to 4 \(rollout.policy ExcludeSurge\)/);
    assert.equal(d.status.lastDecision?.limitedBy, 'rollout');
    assert.equal(d.status.currentMetrics?.[0]?.resource?.current.averageUtilization, 114, 'the status reports what was measured over all pods, as upstream');
  });

  test('a rollout without surge pods and with status.replicas at spec is upstream\'s', () => {
    const input = { scale: scale(4), ...cpuPods([1000, 1000, 1700, 1700]), rollout: rollout([], { reason: '2 ReplicaSets with pods' }) };
    const up = decide(snapshot({ autoscaler: autoscaler({ maxReplicas: 20, metrics: [cpuUtilization(100)] }), ...input }));
    const d = decide(snapshot({ autoscaler: autoscaler({ maxReplicas: 20, ...EXCLUDE, metrics: [cpuUtilization(100)] }), ...input }));
    assert.equal(d.desiredReplicas, up.desiredReplicas);
    assert.equal(d.desiredReplicas, 6);
  });
});

test('the view cannot be computed: a scale-up is held at the current count', () => {
  const ctx = { specReplicas: 4, statusReplicas: 5, pods: [0, 1, 2, 3, 4].map((i) => pod(`web-${i}`)) } as unknown as MetricContext;
  const up = { ok: true, replicas: 6, name: 'cpu', status: { type: 'Resource' }, detail: {} } as const satisfies MetricResult;
  const failed: MetricResult = { ok: false, reason: 'FailedGetResourceMetric', inner: 'no metrics', error: 'no metrics', name: 'cpu' };
  const b = boundByRollout(ctx, up, rollout(['web-4']), (view) => { assert.equal(view.pods.length, 4); assert.equal(view.statusReplicas, 4); return failed; });
  assert.equal(b.result.ok && b.result.replicas, 4);
  assert.match(b.step ?? '', /it cannot be computed \(no metrics\): bounded to 4/);
});

describe('selectionStrategy', () => {
  // web-0..2 are the Deployment's, job-0 a Job's pod with the same labels, at 900 % of its request.
  const pods = [pod('web-0'), pod('web-1'), pod('web-2'), pod('job-0')];
  const usage = [podMetrics('web-0', { cpu: '500m' }), podMetrics('web-1', { cpu: '500m' }), podMetrics('web-2', { cpu: '500m' }), podMetrics('job-0', { cpu: '9000m' })];
  const owned: PodOwnership = { owner: 'Deployment/web', notOwned: ['job-0'] };
  const base = { scale: scale(3), pods, podMetrics: usage };

  test('LabelSelector (default): every pod the selector matches counts, as upstream', () => {
    // (3 × 500 + 9000) / 4 pods = 2625m = 262 % of 1 CPU vs 50 % → ceil(5.25 × 4) = 21 → max 10.
    for (const spec of [{}, { selectionStrategy: 'LabelSelector' as const }]) {
      const d = decide(snapshot({ autoscaler: autoscaler(spec), ...base, podOwnership: owned }));
      assert.equal(d.explanation.proposed, 21);
    }
  });

  test('OwnerReference: pods not owned by the target, and their samples, do not count', () => {
    const d = decide(snapshot({ autoscaler: autoscaler({ selectionStrategy: 'OwnerReference' }), ...base, podOwnership: owned }));
    // 500m of 1 CPU = 50 % on the 3 owned pods: at target.
    assert.equal(d.desiredReplicas, 3);
    assert.equal(d.explanation.metrics[0]?.detail?.ready, 3);
    assert.equal(d.status.currentMetrics?.[0]?.resource?.current.averageUtilization, 50);
    assert.ok(d.explanation.steps.includes('selectionStrategy OwnerReference: 1 of 4 pods the selector matches are not owned by Deployment/web and do not count: job-0'), d.explanation.steps.join('\n'));
  });

  test('OwnerReference on a Pods metric drops the foreign pod\'s value', () => {
    const spec: MetricSpec = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } };
    const values = ['web-0', 'web-1', 'web-2'].map((n) => podsMetricValue(n, 'rps', '10'));
    const input = { ...base, podMetrics: [], metricValues: [{ custom: [...values, podsMetricValue('job-0', 'rps', '1000')] }], podOwnership: owned };
    // Upstream: (3 × 10 + 1000) / 4 = 257.5 per pod vs 10 → ceil(25.75 × 4) = 103.
    assert.equal(decide(snapshot({ autoscaler: autoscaler({ metrics: [spec], maxReplicas: 200 }), ...input })).explanation.proposed, 103, 'upstream counts the foreign value');
    assert.equal(decide(snapshot({ autoscaler: autoscaler({ metrics: [spec], maxReplicas: 200, selectionStrategy: 'OwnerReference' }), ...input })).explanation.proposed, 3);
  });

  test('OwnerReference that could not be resolved: every matching pod counts, with a Warning', () => {
    for (const podOwnership of [undefined, { error: 'Deployment default/web is not in the controller\'s cache' }]) {
      const d = decide(snapshot({ autoscaler: autoscaler({ selectionStrategy: 'OwnerReference' }), ...base, ...(podOwnership ? { podOwnership } : {}) }));
      assert.equal(d.explanation.proposed, 21);
      const warning = d.events.find((e) => e.reason === 'SelectionStrategyNotApplied');
      assert.ok(warning && warning.type === 'Warning', JSON.stringify(d.events));
      assert.match(warning.message, /every pod the selector matches counts, as with LabelSelector/);
    }
  });
});

test('validation names unsupported values of both fields', () => {
  const errs = validateSpec({ scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, selectionStrategy: 'OwnerReferences', rollout: { policy: 'Freeze' } });
  assert.deepEqual(errs.map((e) => e.path).sort(), ['spec.rollout.policy', 'spec.selectionStrategy']);
  assert.match(errs.find((e) => e.path === 'spec.selectionStrategy')?.message ?? '', /supported values: "LabelSelector", "OwnerReference"/);
  assert.deepEqual(validateSpec({ scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, selectionStrategy: 'OwnerReference', rollout: { policy: 'ExcludeSurge' } }), []);
  assert.equal(validateSpec({ scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, rollout: 'ExcludeSurge' })[0]?.path, 'spec.rollout');
});
