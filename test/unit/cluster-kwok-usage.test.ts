// scripts/cluster-kwok-usage.ts: `kscale dev metrics` pod usage as kwok's annotations in the kwok
// mode of `npm run cluster:up` — which pods get what, and which patches bring them there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { usageNamespaces, usagePatches, wantedUsage } from '../../scripts/cluster-kwok-usage.ts';
import type { DevMetrics } from '../../src/cli/dev.ts';
import { USAGE_ANNOTATIONS } from '../../src/controlplane/index.ts';

const CPU = USAGE_ANNOTATIONS.cpu;
const MEM = USAGE_ANNOTATIONS.memory;

const metrics = (pods: DevMetrics['pods']): DevMetrics => ({ version: 1, pods, podsMetrics: [], objectMetrics: [], external: [] });
const pod = (namespace: string, name: string, annotations?: Record<string, string>): V1Pod => ({ metadata: { namespace, name, ...(annotations ? { annotations } : {}) } });

describe('wantedUsage', () => {
  const existing = new Map([['default', ['web-a', 'web-b', 'db-0']], ['other', ['x']]]);
  const cases: { name: string; entries: DevMetrics['pods']; want: [string, Record<string, string>][] }[] = [
    { name: 'a named pod that exists', entries: [{ namespace: 'default', pod: 'db-0', container: 'app', cpu: '250m', memory: '64Mi' }], want: [['default/db-0', { cpu: '250m', memory: '64Mi' }]] },
    { name: 'a named pod that does not exist (yet) is left out', entries: [{ namespace: 'default', pod: 'web-0', container: 'app', cpu: '1' }], want: [] },
    { name: 'a pattern: every matching pod, only in its namespace', entries: [{ namespace: 'default', pod: 'web-*', container: 'app', cpu: '200m' }], want: [['default/web-a', { cpu: '200m' }], ['default/web-b', { cpu: '200m' }]] },
    { name: 'two containers of one pod: the last entry wins (kwok applies a pod\'s annotation to each container)', entries: [
      { namespace: 'other', pod: 'x', container: 'a', cpu: '100m' }, { namespace: 'other', pod: 'x', container: 'b', memory: '1Gi' }], want: [['other/x', { memory: '1Gi' }]] },
  ];
  for (const c of cases) {
    test(c.name, () => { assert.deepEqual([...wantedUsage(metrics(c.entries), existing)], c.want); });
  }
});

describe('usagePatches', () => {
  test('sets what differs, leaves equal values and pods nobody asked for alone', () => {
    const wanted = new Map([['default/a', { cpu: '250m', memory: '64Mi' }], ['default/b', { cpu: '100m' }]]);
    const pods = [pod('default', 'a', { [CPU]: '250m' }), pod('default', 'b', { [CPU]: '100m' }), pod('default', 'c', { [CPU]: '5' })];
    assert.deepEqual(usagePatches(wanted, pods, new Set()), [{ namespace: 'default', pod: 'a', annotations: { [MEM]: '64Mi' } }]);
  });

  test('removes the annotations of pods it set before that are no longer wanted, and a resource left out', () => {
    const wanted = new Map([['default/b', { cpu: '100m' }]]);
    const pods = [pod('default', 'a', { [CPU]: '250m', [MEM]: '64Mi', keep: 'me' }), pod('default', 'b', { [CPU]: '100m', [MEM]: '8Mi' })];
    assert.deepEqual(usagePatches(wanted, pods, new Set(['default/a', 'default/b'])), [
      { namespace: 'default', pod: 'a', annotations: { [CPU]: null, [MEM]: null } },
      { namespace: 'default', pod: 'b', annotations: { [MEM]: null } },
    ]);
  });

  test('nothing to do once applied', () => {
    const wanted = new Map([['default/a', { cpu: '1' }]]);
    assert.deepEqual(usagePatches(wanted, [pod('default', 'a', { [CPU]: '1' })], new Set(['default/a'])), []);
  });
});

test('usageNamespaces: those of the entries and of pods annotated before, once each', () => {
  const d = metrics([{ namespace: 'b', pod: 'x', container: 'app', cpu: '1' }, { namespace: 'b', pod: 'y', container: 'app', cpu: '1' }]);
  assert.deepEqual(usageNamespaces(d, new Set(['a/p', 'b/x'])), ['a', 'b']);
});
