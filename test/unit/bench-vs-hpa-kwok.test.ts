// bench/vs-hpa-kwok.ts: the `--vs-hpa --kwok` load as one kwok ClusterResourceUsage per Deployment,
// and the node count of the bench's kwok mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterResourceUsage, kwokOption, usageName } from '../../bench/vs-hpa-kwok.ts';
import { parseVsHpaArgs } from '../../bench/vs-hpa.ts';

test('one ClusterResourceUsage per Deployment: its namespace and Running pods by name, each at the same millicores', () => {
  assert.equal(usageName('bench-1', 'k-7'), 'bench-1-k-7');
  assert.deepEqual(clusterResourceUsage('bench-1-k-7', { namespace: 'bench-1', pods: ['k-7-a', 'k-7-b'], milli: 75 }), {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterResourceUsage', metadata: { name: 'bench-1-k-7' },
    spec: {
      selector: { matchNamespaces: ['bench-1'], matchNames: ['k-7-a', 'k-7-b'] },
      usages: [{ usage: { cpu: { value: '75m' }, memory: { value: '16Mi' } } }],
    },
  });
});

test('kwok nodes: at least 2, about 100 pods each', () => {
  for (const [pods, nodes] of [[6, 2], [200, 2], [201, 3], [6000, 60]] as const) {
    assert.deepEqual(kwokOption(pods), { kwok: { nodes } }, `${String(pods)} pods`);
  }
});

test('--kwok is off unless given', () => {
  assert.equal(parseVsHpaArgs(['--vs-hpa']).kwok, false);
  assert.equal(parseVsHpaArgs(['--vs-hpa', '--kwok', '--objects', '20']).kwok, true);
});

test('--metrics-tick is passed to kscale only when given', () => {
  assert.equal(parseVsHpaArgs(['--vs-hpa']).metricsTick, undefined);
  assert.equal(parseVsHpaArgs(['--vs-hpa', '--metrics-tick', '2s']).metricsTick, '2s');
  assert.equal(parseVsHpaArgs(['--vs-hpa', '--metrics-tick=1s']).metricsTick, '1s');
});
