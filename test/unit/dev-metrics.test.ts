// `kscale dev metrics`: what each TARGET NAME=VALUE form programs, how repeats replace, what is
// refused, and what the supervisor's apply step serves (on a recording FakeMetrics).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyDevMetrics, describeDevMetrics, patternNamespaces, withAssignments, type DevMetrics } from '../../src/cli/dev.ts';
import { UsageError } from '../../src/cli/io.ts';
import type { FakeMetrics } from '../../src/controlplane/fake-metrics.ts';

const empty: DevMetrics = { version: 0, pods: [], podsMetrics: [], objectMetrics: [], external: [] };

function recorder(): { calls: string[]; metrics: FakeMetrics } {
  const calls: string[] = [];
  const metrics = {
    reset: () => { calls.push('reset'); },
    setPodUsage: (ns: string, pod: string, c: unknown) => { calls.push(`usage ${ns}/${pod} ${JSON.stringify(c)}`); },
    setPodsMetric: (ns: string, pod: string, m: string, v: string) => { calls.push(`pods ${ns}/${pod} ${m}=${v}`); },
    setObjectMetric: (ns: string, r: string, n: string, m: string, v: string) => { calls.push(`object ${ns}/${r}/${n} ${m}=${v}`); },
    setExternalMetric: (ns: string, m: string, s: unknown) => { calls.push(`external ${ns}/${m} ${JSON.stringify(s)}`); },
  } as unknown as FakeMetrics;
  return { calls, metrics };
}

describe('kscale dev metrics', () => {
  test('the TARGET picks the API: pod usage, Pods metric, Object metric, External series', () => {
    let d = withAssignments(empty, 'default/web-0', ['cpu=250m', 'memory=64Mi']);
    d = withAssignments(d, 'default/web-0', ['requests_per_second=20']);
    d = withAssignments(d, 'default/deployments.apps/web', ['hits=100']);
    d = withAssignments(d, 'demo', ['queue_messages_ready{queue=orders}=30', 'backlog=7']);
    assert.equal(d.version, 4);
    assert.deepEqual(describeDevMetrics(d), [
      'default/web-0 cpu=250m memory=64Mi --container app',
      'default/web-0 requests_per_second=20',
      'default/deployments.apps/web hits=100',
      'demo queue_messages_ready{queue=orders}=30',
      'demo backlog=7',
    ]);
  });

  test('setting the same thing again replaces it; other containers and label sets stay', () => {
    let d = withAssignments(empty, 'default/web-0', ['cpu=250m']);
    d = withAssignments(d, 'default/web-0', ['cpu=500m']);
    d = withAssignments(d, 'default/web-0', ['cpu=10m'], 'sidecar');
    d = withAssignments(d, 'demo', ['q{queue=a}=1', 'q{queue=b}=2']);
    d = withAssignments(d, 'demo', ['q{queue=a}=3']);
    assert.deepEqual(describeDevMetrics(d), [
      'default/web-0 cpu=500m --container app',
      'default/web-0 cpu=10m --container sidecar',
      'demo q{queue=b}=2',
      'demo q{queue=a}=3',
    ]);
  });

  test('bad input is a usage error naming the problem', () => {
    const bad: [string, string[], RegExp][] = [
      ['default/web-0', ['cpu=lots'], /"lots" is not a Kubernetes quantity/],
      ['default/web-0', ['cpu'], /expected NAME=VALUE/],
      ['default/web-0', [], /nothing to set/],
      ['default//web', ['cpu=1'], /TARGET is NAMESPACE/],
      ['a/b/c/d', ['x=1'], /TARGET is NAMESPACE/],
      ['default/web-0', ['q{queue=a}=1'], /labels are for External metrics/],
      ['demo', ['q{queue}=1'], /a label is key=value/],
      ['demo', ['9lives=1'], /not a metric name/],
    ];
    for (const [target, args, want] of bad) {
      assert.throws(() => withAssignments(empty, target, args), (e: unknown) => e instanceof UsageError && want.test(e.message), `${target} ${args.join(' ')}`);
    }
  });

  test('apply replaces what is served: one PodMetrics per pod with all its containers, one External list per metric', () => {
    let d = withAssignments(empty, 'default/web-0', ['cpu=250m']);
    d = withAssignments(d, 'default/web-0', ['cpu=10m'], 'sidecar');
    d = withAssignments(d, 'demo', ['q{queue=a}=1', 'q{queue=b}=2']);
    const { calls, metrics } = recorder();
    applyDevMetrics(metrics, d);
    assert.deepEqual(calls, [
      'reset',
      'usage default/web-0 {"app":{"cpu":"250m"},"sidecar":{"cpu":"10m"}}',
      'external demo/q [{"labels":{"queue":"a"},"value":"1"},{"labels":{"queue":"b"},"value":"2"}]',
    ]);
  });

  test('a pod pattern stands for every existing pod it matches, and only those', () => {
    let d = withAssignments(empty, 'default/web-*', ['cpu=200m']);
    d = withAssignments(d, 'default/web-*', ['rps=5']);
    assert.deepEqual(patternNamespaces(d), ['default']);
    const { calls, metrics } = recorder();
    applyDevMetrics(metrics, d, new Map([['default', ['web-7d9f-abcde', 'web-7d9f-fghij', 'webby', 'db-0']]]));
    assert.deepEqual(calls, [
      'reset',
      'usage default/web-7d9f-abcde {"app":{"cpu":"200m"}}',
      'usage default/web-7d9f-fghij {"app":{"cpu":"200m"}}',
      'pods default/web-7d9f-abcde rps=5',
      'pods default/web-7d9f-fghij rps=5',
    ]);
    assert.deepEqual(patternNamespaces(withAssignments(empty, 'default/web-0', ['cpu=1'])), []);
  });
});
