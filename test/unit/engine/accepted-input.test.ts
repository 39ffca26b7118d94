// Input that autoscaling/v2 admits is decided as upstream decides it (issue 9 defect 5), and a pause
// annotation kscale cannot use is reported, not ignored silently (issue 9 defect 7).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricSpec, MetricTarget } from '../../../src/api/types.ts';
import { validateSpec } from '../../../src/api/validation.ts';
import { decide } from '../../../src/engine/decide.ts';
import { ledgerEntries } from '../../../src/engine/ledger.ts';
import { autoscaler, externalValue, objectMetricValue, pod, podMetrics, podsMetricValue, scale, snapshot } from '../../support/builders.ts';

const pods3 = ['a', 'b', 'c'].map((n) => pod(n, { cpu: '1' }));
const target = (t: Record<string, unknown>): MetricTarget => t as unknown as MetricTarget;

describe('a target type that does not match the field set: admitted, and the set field is used as upstream uses it', () => {
  const cases: { name: string; metric: MetricSpec; extra: Record<string, unknown>; want: number | null; error?: RegExp }[] = [
    {
      name: 'Resource, type AverageValue with averageUtilization: utilization (upstream reads averageValue first, then averageUtilization)',
      metric: { type: 'Resource', resource: { name: 'cpu', target: target({ type: 'AverageValue', averageUtilization: 50 }) } },
      extra: { podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '1' })) }, want: 6,
    },
    {
      name: 'Pods, type Utilization with averageValue: the average value',
      metric: { type: 'Pods', pods: { metric: { name: 'rps' }, target: target({ type: 'Utilization', averageValue: '10' }) } },
      extra: { metricValues: [{ custom: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '20')) }] }, want: 6,
    },
    {
      name: 'External, type Value with averageValue: the per-pod target',
      metric: { type: 'External', external: { metric: { name: 'q' }, target: target({ type: 'Value', averageValue: '10' }) } },
      extra: { metricValues: [{ external: [externalValue('q', '60')] }] }, want: 6,
    },
    {
      name: 'Object, type AverageValue with value: upstream follows the type and finds no average value (a failed metric)',
      metric: { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'qps' }, target: target({ type: 'AverageValue', value: '10' }) } },
      extra: { metricValues: [{ custom: [objectMetricValue('Service', 'web', 'qps', '60')] }] }, want: null,
      error: /neither a value target nor an average value target was set/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const a = autoscaler({ metrics: [c.metric] });
      assert.deepEqual(validateSpec(a.spec), [], 'admitted');
      const d = decide(snapshot({ autoscaler: a, scale: scale(3), pods: pods3, ...c.extra }));
      assert.equal(d.scaleTo, c.want);
      if (c.error) assert.match(d.error ?? '', c.error);
    });
  }

  test('a value beyond int64 milli-units is positive, as Quantity.Sign() says, and refused for its size', () => {
    const a = autoscaler({ metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1e19' } } }] });
    const problems = validateSpec(a.spec).map((p) => `${p.path}: ${p.message}`);
    assert.deepEqual(problems, ['spec.metrics[0].external.target.value: must be at most 9223372036854775807m (about 9.2e15): larger values overflow the milli-unit arithmetic of the HPA algorithm']);
  });
  for (const [field, value, ok] of [['averageValue', '9223372036854775807m', true], ['averageValue', '9223372036854775808m', false], ['averageValue', '1e16', false], ['averageValue', '1e400', false], ['value', '9e15', true]] as const) {
    test(`target ${field} ${value}: ${ok ? 'taken' : 'refused (it would wrap to 0 and scale to maxReplicas)'}`, () => {
      const a = autoscaler({ metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: field === 'value' ? { type: 'Value', value } : { type: 'AverageValue', averageValue: value } } }] });
      assert.equal(validateSpec(a.spec).length, ok ? 0 : 1);
    });
  }
  test('a tolerance of 1e400 is refused, not read as infinity', () => {
    assert.equal(validateSpec(autoscaler({ tolerance: '1e400' }).spec).length, 1);
  });
});

describe('pause annotations kscale cannot use', () => {
  const base = { scale: scale(3), pods: pods3, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '1' })) };
  test('"maybe" pauses as "true" would (never scale on input kscale cannot read) and says so in a condition and a Warning Event', () => {
    const d = decide(snapshot({ ...base, autoscaler: autoscaler({}, undefined, { annotations: { 'kscale.dev/paused': 'maybe' } }) }));
    assert.equal(d.scaleTo, null, 'paused');
    assert.equal(d.desiredReplicas, 6, 'the recommendation is still shown');
    const c = d.status.conditions?.find((x) => x.type === 'AnnotationsInvalid');
    assert.equal(c?.status, 'True');
    assert.match(c?.message ?? '', /kscale\.dev\/paused has value "maybe": use "true" or "false"; it pauses as "true" would until then/);
    assert.ok(d.events.some((e) => e.type === 'Warning' && e.reason === 'InvalidAnnotation'));
  });
  for (const [annotation, value, direction] of [['kscale.dev/paused-scale-up', 'yes', 'up'], ['kscale.dev/paused-scale-up', '', 'up'], ['kscale.dev/paused-scale-down', 'on', 'down']] as const) {
    test(`${annotation}=${JSON.stringify(value)} holds a scale ${direction}`, () => {
      const milli = direction === 'up' ? '1' : '100m';
      const d = decide(snapshot({ ...base, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: milli })), autoscaler: autoscaler({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }, undefined, { annotations: { [annotation]: value } }) }));
      assert.equal(d.scaleTo, null);
      assert.equal(d.explanation.limitedBy, 'paused');
    });
  }
  test('the condition goes once the value is usable', () => {
    const first = decide(snapshot({ ...base, autoscaler: autoscaler({}, undefined, { annotations: { 'kscale.dev/paused-scale-down': 'yes' } }) }));
    const fixed = decide(snapshot({ ...base, autoscaler: autoscaler({}, first.status, { annotations: { 'kscale.dev/paused-scale-down': 'False' } }) }));
    assert.equal(fixed.status.conditions?.some((x) => x.type === 'AnnotationsInvalid'), false);
    assert.equal(fixed.events.some((e) => e.reason === 'InvalidAnnotation'), false);
  });
});

describe('the decision ledger (status.decisions)', () => {
  const cpu = (milli: number) => ({ scale: scale(3), pods: pods3, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: `${milli}m` })) });
  test('records scale changes and rule holds once each, with the metrics\' math, bounded to 10 entries', () => {
    let status = autoscaler().status;
    const kinds: (string | undefined)[] = [];
    for (let i = 0; i < 30; i++) {
      // 100% of a 50% target on 3 pods every pass: the scale-up to 6 is re-decided each pass (the scale is not changed here).
      const d = decide(snapshot({ autoscaler: autoscaler({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } }, status), ...cpu(1000), now: Date.parse('2026-11-23T12:00:00Z') + i * 15_000 }));
      status = d.status;
      kinds.push(ledgerEntries(d.status.decisions).at(-1)?.limitedBy);
    }
    const lines = status?.decisions ?? [];
    assert.ok(lines.length <= 10 && lines.length > 0);
    assert.ok(lines.join('').length <= 4096);
    const decisions = ledgerEntries(lines);
    assert.equal(decisions.length, lines.length, 'every line reads back');
    assert.match(decisions.at(-1)?.metrics[0] ?? '', /^cpu resource utilization \(percentage of request\) 100%\/50% ratio 2 → 6$/);
    assert.equal(decisions.at(-1)?.currentReplicas, 3);
  });

  test('a steady pass inside tolerance adds one entry, not one per pass', () => {
    let status = autoscaler().status;
    for (let i = 0; i < 5; i++) {
      status = decide(snapshot({ autoscaler: autoscaler({}, status), ...cpu(520), now: Date.parse('2026-11-23T12:00:00Z') + i * 15_000 })).status;
    }
    assert.deepEqual(ledgerEntries(status?.decisions).map((d) => d.limitedBy), ['tolerance']);
  });
});

describe('readable metric identities (issue 9 defect 8)', () => {
  test('the printer column, the reason and the Prometheus label name a metric with its selector in braces', () => {
    const metric: MetricSpec = { type: 'External', external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'orders' } } }, target: { type: 'AverageValue', averageValue: '10' } } };
    const d = decide(snapshot({ autoscaler: autoscaler({ metrics: [metric] }), scale: scale(3), pods: pods3, metricValues: [{ external: [externalValue('queue_messages_ready', '60', { queue: 'orders' })] }] }));
    assert.equal(d.status.targets, 'queue_messages_ready{queue=orders}: 20/10 (avg)');
    assert.equal(d.rescaleReason, 'external metric queue_messages_ready{queue=orders} above target');
    assert.equal(d.explanation.metrics[0]?.name, 'external metric queue_messages_ready{queue=orders}');
    assert.doesNotMatch(JSON.stringify(d), /LabelSelector\{/);
  });
});

test('a metric source that is not an object is an invalid spec, never a crash', () => {
  const spec = { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'External', external: ['x'] }] };
  assert.deepEqual(validateSpec(spec).map((e) => e.path), ['spec.metrics[0].external']);
  const d = decide(snapshot({ autoscaler: autoscaler(spec as never), scale: scale(3), pods: pods3 }));
  assert.equal(d.scaleTo, null);
  assert.equal(d.explanation.limitedBy, 'invalidSpec');
});
