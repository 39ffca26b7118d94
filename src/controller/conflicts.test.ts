// Second writers of one workload, found through the namespace's target index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HorizontalAutoscaler } from '../api/types.ts';
import { conflictsIn, targetConflicts, targetIndex, type HpaLike } from './conflicts.ts';

const hza = (name: string, kind: string, target: string, apiVersion = 'apps/v1', extra: Record<string, unknown> = {}): HorizontalAutoscaler =>
  ({ metadata: { name, namespace: 'ns', ...extra }, spec: { scaleTargetRef: { apiVersion, kind, name: target }, maxReplicas: 3 } });
const hpa = (name: string, kind: string, target: string, apiVersion = 'apps/v1', ns = 'ns'): HpaLike =>
  ({ metadata: { name, namespace: ns }, spec: { scaleTargetRef: { apiVersion, kind, name: target } } });

const self = hza('me', 'Deployment', 'web');
const cases: [string, HorizontalAutoscaler[], HpaLike[], string[]][] = [
  ['alone', [self], [], []],
  ['another autoscaler on the target', [self, hza('b', 'Deployment', 'web')], [], ['HorizontalAutoscaler ns/b']],
  ['an HPA on the target, other version of the group', [self], [hpa('h', 'Deployment', 'web', 'apps/v1beta2')], ['HorizontalPodAutoscaler ns/h']],
  ['another group is another workload', [self, hza('b', 'Deployment', 'web', 'example.com/v1')], [], []],
  ['another kind or name is another workload', [self, hza('b', 'StatefulSet', 'web'), hza('c', 'Deployment', 'api')], [], []],
  ['being deleted does not count', [self, hza('b', 'Deployment', 'web', 'apps/v1', { deletionTimestamp: '2026-01-01T00:00:00Z' })], [], []],
  ['sorted, both kinds', [hza('z', 'Deployment', 'web'), self, hza('a', 'Deployment', 'web')], [hpa('h', 'Deployment', 'web')],
    ['HorizontalAutoscaler ns/a', 'HorizontalAutoscaler ns/z', 'HorizontalPodAutoscaler ns/h']],
  ['other namespaces do not count', [self], [hpa('h', 'Deployment', 'web', 'apps/v1', 'other')], []],
];
for (const [name, autoscalers, hpas, expected] of cases) {
  test(`conflicts: ${name}`, () => {
    assert.deepEqual(targetConflicts(self, autoscalers, hpas), expected);
    const sameNamespace = <T extends { metadata?: { namespace?: string } }>(l: T[]): T[] => l.filter((o) => o.metadata?.namespace === 'ns');
    assert.deepEqual(conflictsIn(targetIndex(sameNamespace(autoscalers), sameNamespace(hpas)), self), expected, 'one index serves every autoscaler of the namespace');
  });
}

test('conflicts: a KEDA ScaledObject on the target is a second writer; its kind defaults to Deployment in LintSources', () => {
  const so = (name: string, kind: string, target: string): HpaLike => ({ metadata: { name, namespace: 'ns' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: target } } });
  assert.deepEqual(conflictsIn(targetIndex([self], [], [so('keda', 'Deployment', 'web'), so('other', 'Deployment', 'api')]), self), ['ScaledObject ns/keda']);
  assert.deepEqual(conflictsIn(targetIndex([self], [hpa('keda-hpa-keda', 'Deployment', 'web')], [so('keda', 'Deployment', 'web')]), self),
    ['HorizontalPodAutoscaler ns/keda-hpa-keda', 'ScaledObject ns/keda']);
});
