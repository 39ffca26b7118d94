// Table cases for the spec-only lint checks (src/lint/spec-checks.ts), shared by the unit test (the
// TypeScript side) and the integration test (the same specs applied with kubectl to a real API server
// with the admission policy: the warnings it prints must name exactly these checks and paths).
import type { HorizontalAutoscalerSpec, MetricSpec } from '../../src/api/types.ts';

export interface LintCase {
  name: string;
  spec: HorizontalAutoscalerSpec;
  /** "Check path" of every expected finding. */
  expect: string[];
}

const cpu: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } };
const spec = (s: Partial<HorizontalAutoscalerSpec> = {}): HorizontalAutoscalerSpec =>
  ({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, metrics: [cpu], ...s });

export const LINT_CASES: LintCase[] = [
  { name: 'a sound spec', spec: spec({ tolerance: '0.05', behavior: { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] } } }), expect: [] },
  { name: 'tolerance 0.5 at minReplicas 2', spec: spec({ tolerance: '0.5' }), expect: ['ToleranceCoarserThanOneReplica spec.tolerance'] },
  { name: 'tolerance 0.4 at minReplicas 2 is finer than a replica', spec: spec({ tolerance: '0.4' }), expect: [] },
  { name: 'tolerance 1 (an integer) at minReplicas 1', spec: spec({ minReplicas: 1, tolerance: 1 }), expect: ['ToleranceCoarserThanOneReplica spec.tolerance'] },
  { name: 'tolerance 0.1 at minReplicas 10 (exactly one replica)', spec: spec({ minReplicas: 10, maxReplicas: 20, tolerance: '0.1' }), expect: ['ToleranceCoarserThanOneReplica spec.tolerance'] },
  { name: 'tolerance 0.1 at minReplicas 9', spec: spec({ minReplicas: 9, maxReplicas: 20, tolerance: '100m' }), expect: [] },
  { name: 'an unset tolerance is the default, not judged', spec: spec({ minReplicas: 20, maxReplicas: 40 }), expect: [] },
  {
    name: 'per-direction tolerances', spec: spec({ minReplicas: 4, behavior: { scaleUp: { tolerance: '250m' }, scaleDown: { tolerance: '0.2' } } }),
    expect: ['ToleranceCoarserThanOneReplica spec.behavior.scaleUp.tolerance'],
  },
  {
    name: 'minReplicas 0 never makes a tolerance coarse',
    spec: spec({ minReplicas: 0, tolerance: '5', metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '10' } } }] }), expect: [],
  },
  {
    name: 'a scale-down window of 10 s under the default 15 s sync period; 0 is deliberate',
    spec: spec({ behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 10 } } }),
    expect: ['StabilizationWindowBelowSyncPeriod spec.behavior.scaleDown.stabilizationWindowSeconds'],
  },
  {
    name: 'windows against syncPeriodSeconds 30',
    spec: spec({ syncPeriodSeconds: 30, behavior: { scaleUp: { stabilizationWindowSeconds: 30 }, scaleDown: { stabilizationWindowSeconds: 20 } } }),
    expect: ['StabilizationWindowBelowSyncPeriod spec.behavior.scaleDown.stabilizationWindowSeconds'],
  },
  { name: 'a 10 s window with syncPeriodSeconds 5', spec: spec({ syncPeriodSeconds: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 10 } } }), expect: [] },
  {
    name: 'target types that name unset fields',
    spec: spec({
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageUtilization: 60 } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', averageValue: '30' } } },
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'Value', averageValue: '10' } } },
        { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'Utilization', averageValue: '1Gi' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'hits' }, target: { type: 'Value', value: '100' } } },
      ],
    }),
    expect: [
      'TargetTypeMismatch spec.metrics[0].resource.target.type', 'TargetTypeMismatch spec.metrics[1].external.target.type',
      'TargetTypeMismatch spec.metrics[2].pods.target.type', 'TargetTypeMismatch spec.metrics[3].containerResource.target.type',
    ],
  },
  {
    name: 'selectPolicy Disabled with policies; a policy outdone under Max',
    spec: spec({
      behavior: {
        scaleUp: { selectPolicy: 'Disabled', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
        scaleDown: { policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 1, periodSeconds: 60 }] },
      },
    }),
    expect: ['PolicyNeverApplies spec.behavior.scaleUp.policies', 'PolicyNeverApplies spec.behavior.scaleDown.policies[1]'],
  },
  {
    name: 'under Min the more permissive policy never decides',
    spec: spec({ behavior: { scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 15 }] } } }),
    expect: ['PolicyNeverApplies spec.behavior.scaleDown.policies[0]'],
  },
  {
    name: 'identical policies: the later one; a shorter period with the same value outdoes a longer one',
    spec: spec({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Pods', value: 4, periodSeconds: 60 }] }, scaleDown: { policies: [{ type: 'Percent', value: 20, periodSeconds: 60 }, { type: 'Percent', value: 20, periodSeconds: 30 }] } } }),
    expect: ['PolicyNeverApplies spec.behavior.scaleUp.policies[1]', 'PolicyNeverApplies spec.behavior.scaleDown.policies[0]'],
  },
  {
    name: 'more per longer period is a real choice',
    spec: spec({ behavior: { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 15 }] } } }), expect: [],
  },
  { name: 'minReplicas equals maxReplicas', spec: spec({ minReplicas: 3, maxReplicas: 3 }), expect: ['FixedReplicaCount spec.maxReplicas'] },
  { name: 'maxReplicas 1 with the default minReplicas', spec: spec({ minReplicas: undefined, maxReplicas: 1 }), expect: ['FixedReplicaCount spec.maxReplicas'] },
  {
    name: 'several checks at once',
    spec: spec({ minReplicas: 4, maxReplicas: 4, tolerance: '0.3', behavior: { scaleDown: { stabilizationWindowSeconds: 5, tolerance: '1' } } }),
    expect: [
      'FixedReplicaCount spec.maxReplicas', 'StabilizationWindowBelowSyncPeriod spec.behavior.scaleDown.stabilizationWindowSeconds',
      'ToleranceCoarserThanOneReplica spec.behavior.scaleDown.tolerance', 'ToleranceCoarserThanOneReplica spec.tolerance',
    ],
  },
];
