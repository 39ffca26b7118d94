// The HorizontalAutoscaler CRD on a real kube-apiserver: it installs, accepts every example, rejects
// every statically invalid object with a clear message, serves /status and the printer columns, and
// defaults minReplicas only. validateSpec takes the same side on every example and every bad object,
// so admission and the controller never disagree on what can be checked statically.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  ApiextensionsV1Api, CustomObjectsApi, HttpMethod, PatchStrategy, RequestContext, setHeaderOptions, type KubeConfig,
} from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { DecisionSummary, HorizontalAutoscaler, HorizontalAutoscalerSpec, HorizontalAutoscalerStatus, MetricSpec } from '../../src/api/types.ts';
import { validateSpec } from '../../src/api/validation.ts';
import { convertObject } from '../../src/cli/convert.ts';
import { binaryPath, type ControlPlane } from '../../src/controlplane/index.ts';
import { decisionLine } from '../../src/engine/ledger.ts';
import { pollUntil } from '../../src/controlplane/wait.ts';
import { CRD_PATH } from '../../scripts/gen-crd.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';

const GROUP = 'kscale.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'horizontalautoscalers';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

// ---- Examples --------------------------------------------------------------------------------------

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (averageUtilization = 60): MetricSpec =>
  ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const spec = (over: Partial<HorizontalAutoscalerSpec> = {}): HorizontalAutoscalerSpec =>
  ({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 10, metrics: [cpu()], ...over });
const external = (target: Record<string, unknown>): unknown =>
  ({ type: 'External', external: { metric: { name: 'queue_depth' }, target } });
const object = (target: Record<string, unknown>): unknown =>
  ({ type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'rps' }, target } });
const pods = (target: Record<string, unknown>, selector?: unknown): unknown =>
  ({ type: 'Pods', pods: { metric: { name: 'rps', ...(selector ? { selector } : {}) }, target } });
const resource = (target: Record<string, unknown>): unknown => ({ type: 'Resource', resource: { name: 'cpu', target } });
const containerResource = (target: Record<string, unknown>): unknown =>
  ({ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target } });

const GOOD: Record<string, HorizontalAutoscalerSpec> = {
  'Resource Utilization': spec(),
  'Resource AverageValue': spec({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } }] }),
  'ContainerResource': spec({ metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } } }] }),
  'Pods AverageValue with a selector': spec({ metrics: [{ type: 'Pods', pods: {
    metric: { name: 'http_requests_per_second', selector: { matchLabels: { verb: 'GET' }, matchExpressions: [{ key: 'example.com/canary', operator: 'DoesNotExist' }] } },
    target: { type: 'AverageValue', averageValue: '1k' },
  } }] }),
  'Object Value': spec({ metrics: [{ type: 'Object', object: {
    describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' },
    metric: { name: 'requests-per-second' }, target: { type: 'Value', value: '10k' },
  } }] }),
  'Object AverageValue': spec({ metrics: [{ type: 'Object', object: {
    describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'connections' }, target: { type: 'AverageValue', averageValue: '500m' },
  } }] }),
  'External Value (an integer quantity)': spec({ metrics: [{ type: 'External', external: {
    metric: { name: 'queue_messages_ready', selector: { matchExpressions: [{ key: 'queue', operator: 'In', values: ['worker_tasks'] }] } },
    target: { type: 'Value', value: 30 },
  } }] }),
  'External AverageValue': spec({ metrics: [{ type: 'External', external: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: '30' } } }] }),
  'several metrics': spec({ metrics: [cpu(), { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: 100 } } }] }),
  'behavior with policies and per-direction tolerance': spec({ behavior: {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', tolerance: '0.05',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 3600, selectPolicy: 'Min', tolerance: '50m', policies: [{ type: 'Percent', value: 10, periodSeconds: 1800 }] },
  } }),
  'behavior with scale down disabled and zero tolerance': spec({ behavior: { scaleDown: { selectPolicy: 'Disabled', tolerance: 0 } } }),
  'kscale knobs': spec({ syncPeriodSeconds: 3600, cpuInitializationPeriodSeconds: 86400, initialReadinessDelaySeconds: 0, tolerance: '0.2', dryRun: true }),
  'scale to zero with an External metric': spec({ minReplicas: 0, metrics: [cpu(), { type: 'External', external: { metric: { name: 'queue_depth' }, target: { type: 'AverageValue', averageValue: '5' } } }] }),
  'no metrics (the engine defaults them)': { scaleTargetRef: { kind: 'StatefulSet', name: 'db' }, maxReplicas: 1 },
  // A target type that does not match the value field set: upstream admits it and uses the field that is set.
  'admitted as autoscaling/v2 admits it: Utilization target on an Object metric': spec({ metrics: [object({ type: 'Utilization', value: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Utilization target on an External metric': spec({ metrics: [external({ type: 'Utilization', value: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Utilization target on a Pods metric': spec({ metrics: [pods({ type: 'Utilization', averageValue: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Value target on a Pods metric': spec({ metrics: [pods({ type: 'Value', averageValue: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Resource target with value (ignored, as upstream ignores it)': spec({ metrics: [resource({ type: 'Utilization', averageUtilization: 50, value: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Resource target of type Value': spec({ metrics: [resource({ type: 'Value', averageValue: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Resource Utilization target without averageUtilization': spec({ metrics: [resource({ type: 'Utilization', averageValue: '100m' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: ContainerResource AverageValue target without averageValue': spec({ metrics: [containerResource({ type: 'AverageValue', averageUtilization: 50 })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Object Value target without value': spec({ metrics: [object({ type: 'Value', averageValue: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: Object AverageValue target without averageValue': spec({ metrics: [object({ type: 'AverageValue', value: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: External Value target without value': spec({ metrics: [external({ type: 'Value', averageValue: '1' })] } as Partial<HorizontalAutoscalerSpec>),
  'admitted as autoscaling/v2 admits it: External AverageValue target without averageValue': spec({ metrics: [external({ type: 'AverageValue', value: '1' })] } as Partial<HorizontalAutoscalerSpec>),
};

interface Bad {
  /** The spec sent (not typed: these are the objects the types forbid). */
  spec: Record<string, unknown>;
  /** The field of the apiserver's error cause. */
  field: string;
  /** A substring of that cause's message. */
  message: string;
}

const over = (o: Record<string, unknown>): Record<string, unknown> => ({ ...spec(), ...o });
const withMetric = (m: unknown): Record<string, unknown> => over({ metrics: [m] });
const withRules = (dir: 'scaleUp' | 'scaleDown', rules: Record<string, unknown>): Record<string, unknown> => over({ behavior: { [dir]: rules } });
const policy = (p: Record<string, unknown>): Record<string, unknown> =>
  withRules('scaleUp', { policies: [{ type: 'Pods', value: 4, periodSeconds: 15, ...p }] });
const M0 = 'spec.metrics[0]';

// One case per range and per CEL rule of the schema.
const BAD: Record<string, Bad> = {
  'maxReplicas below minReplicas': { spec: over({ minReplicas: 5, maxReplicas: 3 }), field: 'spec.maxReplicas', message: 'maxReplicas must be greater than or equal to minReplicas' },
  'minReplicas 0 without an Object or External metric': { spec: over({ minReplicas: 0 }), field: 'spec.minReplicas', message: 'minReplicas may be 0 only when at least one Object or External metric' },
  'minReplicas negative': { spec: over({ minReplicas: -1 }), field: 'spec.minReplicas', message: 'should be greater than or equal to 0' },
  'maxReplicas 0': { spec: over({ minReplicas: 0, maxReplicas: 0, metrics: [external({ type: 'Value', value: '1' })] }), field: 'spec.maxReplicas', message: 'should be greater than or equal to 1' },
  'maxReplicas missing': { spec: over({ maxReplicas: undefined }), field: 'spec.maxReplicas', message: 'Required value' },
  'scaleTargetRef missing': { spec: over({ scaleTargetRef: undefined }), field: 'spec.scaleTargetRef', message: 'Required value' },
  'scaleTargetRef without a name': { spec: over({ scaleTargetRef: { kind: 'Deployment' } }), field: 'spec.scaleTargetRef.name', message: 'Required value' },
  'scaleTargetRef name ".."': { spec: over({ scaleTargetRef: { kind: 'Deployment', name: '..' } }), field: 'spec.scaleTargetRef.name', message: "may not be '.' or '..'" },
  'scaleTargetRef kind with a slash': { spec: over({ scaleTargetRef: { kind: 'apps/Deployment', name: 'web' } }), field: 'spec.scaleTargetRef.kind', message: "may not contain '/' or '%'" },
  'metric type unknown': { spec: withMetric({ type: 'Memory', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } } }), field: `${M0}.type`, message: 'Unsupported value: "Memory"' },
  'metric without the source its type names': { spec: withMetric({ type: 'Pods' }), field: `${M0}.type`, message: 'the metric source named by type must be set' },
  'metric with a second source': { spec: withMetric({ ...(resource({ type: 'Utilization', averageUtilization: 50 }) as object), pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1' } } }), field: `${M0}.type`, message: 'only the metric source named by type may be set' },
  'target type unknown': { spec: withMetric(resource({ type: 'Percent', averageUtilization: 50 })), field: `${M0}.resource.target.type`, message: 'Unsupported value: "Percent"' },
  'Resource target with both averageUtilization and averageValue': { spec: withMetric(resource({ type: 'Utilization', averageUtilization: 50, averageValue: '100m' })), field: `${M0}.resource.target`, message: 'must set exactly one of averageUtilization or averageValue' },
  'ContainerResource target with neither averageUtilization nor averageValue': { spec: withMetric(containerResource({ type: 'AverageValue' })), field: `${M0}.containerResource.target`, message: 'must set exactly one of averageUtilization or averageValue' },
  'Pods target without averageValue': { spec: withMetric(pods({ type: 'AverageValue', value: '1' })), field: `${M0}.pods.target.averageValue`, message: 'pods metrics need a target averageValue' },
  'Object target with neither value nor averageValue': { spec: withMetric(object({ type: 'Value' })), field: `${M0}.object.target`, message: 'must set value or averageValue for an object metric' },
  'External target with both value and averageValue': { spec: withMetric(external({ type: 'Value', value: '1', averageValue: '1' })), field: `${M0}.external.target`, message: 'must set exactly one of value or averageValue' },
  'External target with neither value nor averageValue': { spec: withMetric(external({ type: 'AverageValue' })), field: `${M0}.external.target`, message: 'must set exactly one of value or averageValue' },
  'averageUtilization 0': { spec: withMetric(resource({ type: 'Utilization', averageUtilization: 0 })), field: `${M0}.resource.target.averageUtilization`, message: 'should be greater than or equal to 1' },
  'value "0"': { spec: withMetric(object({ type: 'Value', value: '0' })), field: `${M0}.object.target.value`, message: 'must be a quantity greater than 0' },
  'averageValue negative': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '-1' })), field: `${M0}.pods.target.averageValue`, message: 'must be a quantity greater than 0' },
  'averageValue the integer 0': { spec: withMetric(external({ type: 'AverageValue', averageValue: 0 })), field: `${M0}.external.target.averageValue`, message: 'must be a quantity greater than 0' },
  'averageValue not a quantity': { spec: withMetric(pods({ type: 'AverageValue', averageValue: 'ten' })), field: `${M0}.pods.target.averageValue`, message: 'should match' },
  'tolerance negative': { spec: over({ tolerance: '-0.1' }), field: 'spec.tolerance', message: 'must be a quantity greater than or equal to 0' },
  'scaleUp tolerance negative': { spec: withRules('scaleUp', { tolerance: '-10m' }), field: 'spec.behavior.scaleUp.tolerance', message: 'must be a quantity greater than or equal to 0' },
  'scaleDown tolerance a percentage': { spec: withRules('scaleDown', { tolerance: '5%' }), field: 'spec.behavior.scaleDown.tolerance', message: 'should match' },
  'stabilizationWindowSeconds above 3600': { spec: withRules('scaleDown', { stabilizationWindowSeconds: 3601 }), field: 'spec.behavior.scaleDown.stabilizationWindowSeconds', message: 'should be less than or equal to 3600' },
  'stabilizationWindowSeconds negative': { spec: withRules('scaleUp', { stabilizationWindowSeconds: -1 }), field: 'spec.behavior.scaleUp.stabilizationWindowSeconds', message: 'should be greater than or equal to 0' },
  'policy periodSeconds 0': { spec: policy({ periodSeconds: 0 }), field: 'spec.behavior.scaleUp.policies[0].periodSeconds', message: 'should be greater than or equal to 1' },
  'policy periodSeconds above 1800': { spec: policy({ periodSeconds: 1801 }), field: 'spec.behavior.scaleUp.policies[0].periodSeconds', message: 'should be less than or equal to 1800' },
  'policy value 0': { spec: policy({ value: 0 }), field: 'spec.behavior.scaleUp.policies[0].value', message: 'should be greater than or equal to 1' },
  'policy type unknown': { spec: policy({ type: 'Replicas' }), field: 'spec.behavior.scaleUp.policies[0].type', message: 'Unsupported value: "Replicas"' },
  'policy without periodSeconds': { spec: withRules('scaleUp', { policies: [{ type: 'Pods', value: 1 }] }), field: 'spec.behavior.scaleUp.policies[0].periodSeconds', message: 'Required value' },
  'policies empty': { spec: withRules('scaleDown', { policies: [] }), field: 'spec.behavior.scaleDown.policies', message: 'should have at least 1 items' },
  'selectPolicy unknown': { spec: withRules('scaleDown', { selectPolicy: 'Avg' }), field: 'spec.behavior.scaleDown.selectPolicy', message: 'Unsupported value: "Avg"' },
  'syncPeriodSeconds 0': { spec: over({ syncPeriodSeconds: 0 }), field: 'spec.syncPeriodSeconds', message: 'should be greater than or equal to 1' },
  'syncPeriodSeconds above 3600': { spec: over({ syncPeriodSeconds: 3601 }), field: 'spec.syncPeriodSeconds', message: 'should be less than or equal to 3600' },
  'cpuInitializationPeriodSeconds negative': { spec: over({ cpuInitializationPeriodSeconds: -1 }), field: 'spec.cpuInitializationPeriodSeconds', message: 'should be greater than or equal to 0' },
  'cpuInitializationPeriodSeconds above a day': { spec: over({ cpuInitializationPeriodSeconds: 86401 }), field: 'spec.cpuInitializationPeriodSeconds', message: 'should be less than or equal to 86400' },
  'initialReadinessDelaySeconds negative': { spec: over({ initialReadinessDelaySeconds: -1 }), field: 'spec.initialReadinessDelaySeconds', message: 'should be greater than or equal to 0' },
  'initialReadinessDelaySeconds above a day': { spec: over({ initialReadinessDelaySeconds: 86401 }), field: 'spec.initialReadinessDelaySeconds', message: 'should be less than or equal to 86400' },
  'dryRun not a boolean': { spec: over({ dryRun: 'yes' }), field: 'spec.dryRun', message: 'must be of type boolean' },
  'metric name with a percent sign': { spec: withMetric({ type: 'Pods', pods: { metric: { name: 'rps%' }, target: { type: 'AverageValue', averageValue: '1' } } }), field: `${M0}.pods.metric.name`, message: "may not contain '/' or '%'" },
  'resource name empty': { spec: withMetric({ type: 'Resource', resource: { name: '', target: { type: 'Utilization', averageUtilization: 50 } } }), field: `${M0}.resource.name`, message: 'should be at least 1 chars long' },
  'containerResource without a container': { spec: withMetric({ type: 'ContainerResource', containerResource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }), field: `${M0}.containerResource.container`, message: 'Required value' },
  'Object metric without describedObject': { spec: withMetric({ type: 'Object', object: { metric: { name: 'rps' }, target: { type: 'Value', value: '1' } } }), field: `${M0}.object.describedObject`, message: 'Required value' },
  'selector operator unknown': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '1' }, { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] })), field: `${M0}.pods.metric.selector.matchExpressions[0].operator`, message: 'Unsupported value: "Equals"' },
  'selector In without values': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '1' }, { matchExpressions: [{ key: 'a', operator: 'In' }] })), field: `${M0}.pods.metric.selector.matchExpressions[0].values`, message: 'values must be non-empty for operator In or NotIn' },
  'selector Exists with values': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '1' }, { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] })), field: `${M0}.pods.metric.selector.matchExpressions[0].values`, message: 'empty for Exists or DoesNotExist' },
  'selector key invalid': { spec: withMetric({ type: 'External', external: { metric: { name: 'q', selector: { matchExpressions: [{ key: '-queue', operator: 'Exists' }] } }, target: { type: 'Value', value: '1' } } }), field: `${M0}.external.metric.selector.matchExpressions[0].key`, message: 'must be a valid label key' },
  'matchLabels key invalid': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '1' }, { matchLabels: { 'bad key': 'x' } })), field: `${M0}.pods.metric.selector.matchLabels`, message: 'keys must be a valid label key' },
  'matchLabels value invalid': { spec: withMetric(pods({ type: 'AverageValue', averageValue: '1' }, { matchLabels: { app: '-web-' } })), field: `${M0}.pods.metric.selector.matchLabels.app`, message: 'should match' },
};

// Limits the apiserver needs to bound the cost of CEL rules. They are far beyond real use, and the
// controller has no reason to enforce them, so validateSpec does not (and is not asked to) agree.
const ADMISSION_ONLY: Record<string, Bad> = {
  'more than 50 metrics': { spec: over({ metrics: Array.from({ length: 51 }, () => cpu()) }), field: 'spec.metrics', message: 'must have at most 50 items' },
  'more than 10 policies': { spec: withRules('scaleUp', { policies: Array.from({ length: 11 }, () => ({ type: 'Pods', value: 1, periodSeconds: 15 })) }), field: 'spec.behavior.scaleUp.policies', message: 'must have at most 10 items' },
  'a metric name over 253 characters': { spec: withMetric({ type: 'Pods', pods: { metric: { name: 'm'.repeat(254) }, target: { type: 'AverageValue', averageValue: '1' } } }), field: `${M0}.pods.metric.name`, message: 'may not be more than 253 bytes' },
};

// ---- Helpers ---------------------------------------------------------------------------------------

interface StatusCause { field?: string; message?: string }
interface StatusBody { code?: number; message?: string; details?: { causes?: StatusCause[] } }

function apiError(err: unknown): { code: number | undefined; status: StatusBody } {
  const e = err as { code?: number; body?: unknown };
  let status: StatusBody = {};
  try { status = JSON.parse(String(e.body)) as StatusBody; } catch { /* not JSON */ }
  return { code: e.code, status };
}

/** GET with an Accept header of our choosing (getJson always asks for plain JSON). */
async function getWithAccept(kc: KubeConfig, path: string, accept: string): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const ctx = new RequestContext(server + path, HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const res = await fetch(server + path, {
    headers: { ...ctx.getHeaders(), Accept: accept }, dispatcher: ctx.getDispatcher(), signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${String(res.status)}: ${text}`);
  return JSON.parse(text) as unknown;
}

const run = promisify(execFile);

// The other half of the agreement, without a control plane: the controller's validation takes the
// same side as admission on every case above.
describe('validateSpec agrees with admission', () => {
  for (const [name, s] of Object.entries(GOOD)) {
    test(`accepts: ${name}`, () => { assert.deepEqual(validateSpec(s), []); });
  }
  for (const [name, c] of Object.entries(BAD)) {
    test(`rejects: ${name}`, () => { assert.notDeepEqual(validateSpec(c.spec), [], 'validateSpec reports a problem'); });
  }
});

describe('HorizontalAutoscaler CRD on the apiserver', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let ns: string;
  let serial = 0;

  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(binaryPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, '--cache-dir', join(cp.workDir, 'kubectl-cache'), ...args]);
    return stdout;
  };
  const body = (s: unknown, name = `hza-${String(++serial)}`): object =>
    ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'HorizontalAutoscaler', metadata: { name }, spec: s });
  const create = async (s: unknown, name?: string): Promise<HorizontalAutoscaler> =>
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: body(s, name) }) as HorizontalAutoscaler;
  const read = async (name: string): Promise<HorizontalAutoscaler> =>
    await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name }) as HorizontalAutoscaler;
  /** Creation must fail with 422 and a cause on `field` whose message contains `message`. */
  const rejects = async (c: Bad): Promise<void> => {
    await assert.rejects(create(c.spec), (err: unknown) => {
      const { code, status } = apiError(err);
      assert.equal(code, 422, `HTTP 422, got ${String(code)}: ${status.message ?? String(err)}`);
      const causes = status.details?.causes ?? [];
      assert.ok(causes.some((x) => x.field === c.field && (x.message ?? '').includes(c.message)),
        `a cause on ${c.field} containing ${JSON.stringify(c.message)}; got ${JSON.stringify(causes, null, 1)}`);
      return true;
    });
  };

  before(async () => {
    cp = await startSuiteControlPlane();
    kc = cp.kubeConfig;
    custom = kc.makeApiClient(CustomObjectsApi);
    // kubectl, as a user installs it. (The harness's applyYaml goes through client-node's typed
    // serializer, which drops the CRD schema's x-kubernetes-* extensions outside `items`.)
    await kubectl('apply', '--server-side', '-f', CRD_PATH);
    ns = await createTestNamespace(kc, 'crd');
  });
  after(async () => { await cp?.stop(); }); // cp is undefined when before() failed

  test('the CRD becomes Established and its resource is discoverable as hza, in category kscale', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const crd = await pollUntil('the CRD to be Established', async () => {
      const c = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? c : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    assert.ok(crd.status?.conditions?.some((x) => x.type === 'NamesAccepted' && x.status === 'True'));
    const resources = await custom.getAPIResources({ group: GROUP, version: VERSION });
    const main = resources.resources.find((r) => r.name === PLURAL);
    assert.deepEqual([main?.kind, main?.namespaced, main?.shortNames, main?.categories], ['HorizontalAutoscaler', true, ['hza'], ['kscale']]);
    assert.deepEqual(resources.resources.map((r) => r.name).sort(), [PLURAL, `${PLURAL}/status`], 'a status subresource and no scale subresource');
  });

  describe('accepts every example', () => {
    for (const [name, s] of Object.entries(GOOD)) {
      test(name, async () => {
        const created = await create(s);
        // Nothing is pruned: every field of the example is in the schema (minReplicas may be defaulted).
        assert.deepEqual(created.spec, { minReplicas: 1, ...s });
      });
    }
  });

  describe('rejects every statically invalid object with a clear message', () => {
    for (const [name, c] of Object.entries(BAD)) test(name, async () => { await rejects(c); });
  });

  describe('admission-only limits that bound CEL cost', () => {
    for (const [name, c] of Object.entries(ADMISSION_ONLY)) test(name, async () => { await rejects(c); });
  });

  test('kscale convert: HPAs of every shape autoscaling/v2 admits, read back from the apiserver, convert into autoscalers it admits', async () => {
    const target = (t: Record<string, unknown>) => t;
    const hpaSpecs: Record<string, unknown> = {
      'cpu utilization': { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: target({ type: 'Utilization', averageUtilization: 60 }) } }] },
      'memory average value as a number': { metrics: [{ type: 'Resource', resource: { name: 'memory', target: target({ type: 'AverageValue', averageValue: 536870912 }) } }] },
      'container resource': { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: target({ type: 'Utilization', averageUtilization: 50 }) } }] },
      'pods metric, averageValue 0.5 unquoted': { metrics: [{ type: 'Pods', pods: { metric: { name: 'rps', selector: { matchLabels: { verb: 'GET' } } }, target: target({ type: 'AverageValue', averageValue: 0.5 }) } }] },
      'object value and averageValue': { metrics: [{ type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'qps' }, target: target({ type: 'Value', value: '10k', averageValue: '100' }) } }] },
      'external with a selector': { metrics: [{ type: 'External', external: { metric: { name: 'queue', selector: { matchExpressions: [{ key: 'q', operator: 'In', values: ['a', 'b'] }] } }, target: target({ type: 'AverageValue', averageValue: '30' }) } }] },
      'type that does not match the field set': { metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: target({ type: 'Value', averageValue: '1e15' }) } }] },
      'no metrics, behavior with policies': { behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
        scaleDown: { selectPolicy: 'Disabled' },
      } },
    };
    const base = { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 10 };
    let i = 0;
    for (const [shape, extra] of Object.entries(hpaSpecs)) {
      const name = `convert-${String(++i)}`;
      await custom.createNamespacedCustomObject({ group: 'autoscaling', version: 'v2', namespace: ns, plural: 'horizontalpodautoscalers', body: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { ...base, ...(extra as object) } } });
      // As `kubectl get hpa NAME -o yaml | kscale convert -f -` sees it.
      const served: unknown = await custom.getNamespacedCustomObject({ group: 'autoscaling', version: 'v2', namespace: ns, plural: 'horizontalpodautoscalers', name });
      const converted = convertObject(served, shape);
      const created = await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: converted }).catch((e: unknown) => {
        throw new Error(`${shape}: the converted autoscaler was refused: ${JSON.stringify(apiError(e).status.details?.causes ?? apiError(e).status.message ?? String(e))}`);
      }) as HorizontalAutoscaler;
      assert.deepEqual(validateSpec(created.spec), [], `${shape}: the controller accepts it too`);
    }
  });

  test('defaulting sets minReplicas to 1 and leaves metrics and behavior unset', async () => {
    const created = await create({ scaleTargetRef: ref, maxReplicas: 3 }, 'defaults');
    assert.deepEqual(created.spec, { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3 });
    assert.deepEqual((await read('defaults')).spec, created.spec);
  });

  test('the status subresource stores status patches and the main resource ignores status', async () => {
    const created = await create(spec({ maxReplicas: 10 }), 'status');
    assert.equal(created.metadata?.generation, 1);
    // Every field of the status, so that one pruned by an incomplete schema shows as a difference.
    const status: Required<HorizontalAutoscalerStatus> = {
      observedGeneration: 1,
      reference: 'Deployment/web',
      targets: 'cpu: 93%/60%, rps: <unknown>/100',
      lastScaleTime: '2026-11-23T11:58:00Z',
      currentReplicas: 3,
      desiredReplicas: 5,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 93, averageValue: '930m' } } },
        { type: '' },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 50, averageValue: '500m' } } },
        { type: 'Pods', pods: { metric: { name: 'rps', selector: { matchLabels: { verb: 'GET' } } }, current: { averageValue: '12' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'qps' }, current: { value: '7', averageValue: '2333m' } } },
        { type: 'External', external: { metric: { name: 'queue_depth', selector: { matchExpressions: [{ key: 'queue', operator: 'In', values: ['a'] }] } }, current: { value: '9' } } },
      ],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-11-23T11:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingActive', status: 'False', reason: 'FailedGetPodsMetric', message: 'unable to get metric rps' },
        { type: 'ScalingLimited', status: 'Unknown' },
      ],
      lastDecision: {
        time: '2026-11-23T12:00:00Z', currentReplicas: 3, proposedReplicas: 5, desiredReplicas: 5, reason: 'cpu resource utilization above target',
        limitedBy: 'policy',
        metrics: [
          { metric: 'cpu resource utilization (percentage of request)', replicas: 5, ratio: 1.55, current: '93%', target: '60%' },
          { metric: 'pods metric rps', replicas: 8, error: 'unable to get metric rps', fallback: { replicas: 8, since: '2026-11-23T11:55:00.000Z' } },
        ],
      },
      decisions: [
        '2026-11-23T11:58:00Z 2→3 (proposed 3) cpu resource utilization above target | cpu 93%/60% ratio 1.55 → 3',
        '2026-11-23T11:59:00Z 3→3 (limited by stabilization) no change',
      ],
      recommendations: [{ replicas: 5, time: '2026-11-23T12:00:00Z' }, { replicas: 4, time: '2026-11-23T11:59:45Z' }],
      scaleUpEvents: [{ replicaChange: 2, time: '2026-11-23T11:58:00Z' }, { replicaChange: 1, time: '2026-11-23T11:00:00Z', outdated: true }],
      scaleDownEvents: [{ replicaChange: 1, time: '2026-11-23T10:00:00Z', outdated: false }],
      metricHistory: [
        { index: 1, metric: 'Pods rps{verb=GET}', firstFailureTime: '2026-11-23T11:55:00.000Z', fallbackActive: true },
        { index: 5, metric: 'External queue_depth{queue in (a)}', lastRatio: 0, droppedToZeroTime: '2026-11-23T11:59:45.000Z' },
      ],
    };
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'status', body: { status } }, merge);
    const afterStatus = await read('status');
    assert.deepEqual(afterStatus.status, status);
    assert.equal(afterStatus.metadata?.generation, 1, 'a status write does not bump the generation');

    // Through the main resource, status is ignored while spec is applied.
    await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'status',
      body: { spec: { maxReplicas: 7 }, status: { currentReplicas: 99, reference: 'Deployment/other' } } }, merge);
    const afterMain = await read('status');
    assert.equal(afterMain.spec.maxReplicas, 7);
    assert.equal(afterMain.metadata?.generation, 2);
    assert.deepEqual(afterMain.status, status);

    // And the other way round: spec is ignored through /status.
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'status',
      body: { spec: { maxReplicas: 1 }, status: { currentReplicas: 4 } } }, merge);
    const afterBoth = await read('status');
    assert.equal(afterBoth.spec.maxReplicas, 7);
    assert.equal(afterBoth.status?.currentReplicas, 4);
  });

  test('server-side printing returns the printer columns, as kubectl get shows them', async () => {
    await create(spec({ minReplicas: 2, maxReplicas: 10 }), 'printed');
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name: 'printed', body: { status: {
      reference: 'Deployment/web', targets: 'cpu: 93%/60%', currentReplicas: 3, desiredReplicas: 5,
      lastScaleTime: new Date(Date.now() - 120_000).toISOString(),
      lastDecision: { time: new Date().toISOString(), currentReplicas: 3, desiredReplicas: 5, reason: 'cpu above target' },
    } } }, merge);
    const table = await getWithAccept(kc, `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/printed`, 'application/json;as=Table;v=v1;g=meta.k8s.io') as {
      kind: string; columnDefinitions: { name: string; type: string; priority: number }[]; rows: { cells: unknown[] }[];
    };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Reference', 'string', 0], ['Targets', 'string', 0], ['MinPods', 'integer', 0], ['MaxPods', 'integer', 0],
      ['Replicas', 'integer', 0], ['Age', 'date', 0], ['Desired', 'integer', 1], ['Last Scale', 'date', 1], ['Reason', 'string', 1],
    ]);
    const cells = table.rows[0]?.cells ?? [];
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[7], cells[9]],
      ['printed', 'Deployment/web', 'cpu: 93%/60%', 2, 10, 3, 5, 'cpu above target']);
    assert.match(String(cells[6]), /^\d+s$/, 'Age');
    assert.match(String(cells[8]), /^2m\d*s?$/, 'Last Scale');

    // kubectl: the short name, the wide columns, the category; and `kubectl get all` leaves it out.
    const wide = await kubectl('get', 'hza', 'printed', '-n', ns, '-o', 'wide');
    assert.match(wide.split('\n')[0] ?? '', /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\s+DESIRED\s+LAST SCALE\s+REASON$/);
    assert.match(wide.split('\n')[1] ?? '', /^printed\s+Deployment\/web\s+cpu: 93%\/60%\s+2\s+10\s+3\s+\S+\s+5\s+2m\S*\s+cpu above target$/);
    assert.match(await kubectl('get', 'kscale', '-n', ns), /^printed\s+Deployment\/web\s/m);
    assert.doesNotMatch(await kubectl('get', 'all', '-n', ns), /horizontalautoscaler/);
  });

  test('kubectl explain reads the field documentation', async () => {
    const text = await pollUntil('the CRD schema to be published', async () => {
      const out = await kubectl('explain', 'hza.spec.behavior.scaleUp.policies').catch(() => '');
      return out.includes('periodSeconds') ? out.replace(/\s+/g, ' ') : undefined; // unwrapped
    }, { timeoutMs: 30_000, intervalMs: 500 });
    assert.match(text, /Limits on how fast the replica count may change when scaling up/);
    assert.match(text, /periodSeconds <integer> -required-/);
    assert.match(text, /The window, in seconds, over which past changes count against value \(1 to 1800\)/);
    const knob = (await kubectl('explain', 'hza.spec.syncPeriodSeconds')).replace(/\s+/g, ' ');
    assert.match(knob, /How often, in seconds, this autoscaler is evaluated \(1 to 3600\)\. Default: the controller's sync period \(15 unless/);
  });

  test('kubectl describe stays readable with a full decision history', async () => {
    const name = 'described';
    await create({ scaleTargetRef: ref, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] }, name);
    const t = (s: number): string => new Date(Date.UTC(2026, 11, 3, 12, 0, s)).toISOString().replace('.000Z', 'Z');
    const decision = (i: number): DecisionSummary => ({
      time: t(i * 15), currentReplicas: 2 + i, proposedReplicas: 3 + i, desiredReplicas: 3 + i, reason: 'cpu resource utilization (percentage of request) above target',
      ...(i % 2 ? { limitedBy: 'scaleUpLimit' } : {}),
      metrics: [
        { metric: 'cpu resource utilization (percentage of request)', replicas: 3 + i, ratio: 1.4, current: '84%', target: '60%' },
        { metric: 'external metric queue_messages_ready{queue=orders}', replicas: 2 + i, error: 'unable to fetch metrics from external metrics API', fallback: { replicas: 2 + i, since: t(0) } },
      ],
    });
    const ledger = Array.from({ length: 10 }, (_, i) => decisionLine(decision(i)));
    const status: HorizontalAutoscalerStatus = {
      observedGeneration: 1, reference: 'Deployment/web', targets: 'cpu: 84%/60%', currentReplicas: 12, desiredReplicas: 12, lastScaleTime: t(150),
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 84, averageValue: '840m' } } }],
      conditions: [
        { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: t(0) },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)', lastTransitionTime: t(0) },
        { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range', lastTransitionTime: t(0) },
      ],
      lastDecision: decision(9),
      decisions: ledger,
      recommendations: Array.from({ length: 5 }, (_, i) => ({ replicas: 8 + i, time: t(100 + i * 15) })),
      scaleUpEvents: [{ replicaChange: 1, time: t(150) }],
    };
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, body: { status } },
      merge);
    const out = await kubectl('describe', 'hza', name, '-n', ns);
    const lines = out.split('\n');
    console.log(`# kubectl describe hza: ${String(lines.length)} lines`);
    // What a person looks for is there, once each, and the history does not bury it.
    for (const want of ['Scale Target Ref:', 'Conditions:', 'Last Decision:', 'Current Metrics:']) {
      assert.equal(lines.filter((l) => l.trim().startsWith(want)).length, 1, `${want} once:\n${out}`);
    }
    assert.equal(lines.filter((l) => l.includes(t(100))).length, 1, `the first recommendation is shown once:\n${out}`);
    // The decision ledger: ten decisions with their per-metric math, one line each, after the conditions.
    // (It was about 200 lines of the output with a field per line; the whole is now about 100, most of
    // it the spec, the conditions and the structured lastDecision.)
    assert.ok(lines.length <= 110, `kubectl describe printed ${String(lines.length)} lines:\n${out}`);
    const conditionsAt = lines.findIndex((l) => l.trim() === 'Conditions:');
    const ledgerAt = lines.findIndex((l) => l.trim() === 'Decisions:');
    assert.ok(conditionsAt >= 0 && conditionsAt < ledgerAt, `conditions come before the decision ledger:\n${out}`);
    const printed = ledger.map((l) => lines.findIndex((x) => x.trim() === l));
    assert.deepEqual(printed, ledger.map((_, i) => ledgerAt + 1 + i), `each decision on one line, oldest first, right under Decisions:\n${out}`);
    // The schema holds the form: lines of at most 512 characters (the engine writes at most 384).
    for (const [what, decisions, message] of [['a structured entry', [decision(0)], 'string'], ['a line too long', ['x'.repeat(513)], 'more than 512']] as const) {
      await assert.rejects(custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, body: { status: { decisions } } }, merge),
        (err: unknown) => {
          const { code, status: s } = apiError(err);
          assert.equal(code, 422, `${what}: HTTP 422, got ${String(code)}`);
          assert.ok((s.message ?? '').includes(message), `${what}: ${s.message ?? ''}`);
          return true;
        });
    }
  });

  describe('unquoted decimals where quantities go (as the HPA admits them)', () => {
    const decimals = {
      scaleTargetRef: ref, maxReplicas: 10, tolerance: 0.1,
      behavior: { scaleUp: { tolerance: 0.05 }, scaleDown: { tolerance: 0.15 } },
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: 0.5 } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'AverageValue', averageValue: 0.25 } } },
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: 2.5 } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'qps' }, target: { type: 'Value', value: 1.25 } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: 1e-3 } } },
        { type: 'External', external: { metric: { name: 'backlog' }, target: { type: 'AverageValue', averageValue: 2.5e-4 } } },
      ],
    };
    const asStrings = {
      ...decimals, tolerance: '0.1', minReplicas: 1,
      behavior: { scaleUp: { tolerance: '0.05' }, scaleDown: { tolerance: '0.15' } },
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '0.5' } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'AverageValue', averageValue: '0.25' } } },
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '2.5' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'qps' }, target: { type: 'Value', value: '1.25' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '0.001' } } },
        { type: 'External', external: { metric: { name: 'backlog' }, target: { type: 'AverageValue', averageValue: '0.00025' } } },
      ],
    };

    test('without the admission policy the schema refuses them, naming the field', async () => {
      await rejects({ spec: { scaleTargetRef: ref, maxReplicas: 3, tolerance: 0.1 }, field: 'spec.tolerance', message: 'integer' });
    });

    test('with deploy/admission applied, every quantity field takes a decimal and stores it as the same quantity string', async () => {
      await kubectl('apply', '-k', join(dirname(CRD_PATH), '..', 'admission'));
      // The policy takes effect once the apiserver's policy informer has it: retry until it does.
      const created = await pollUntil('the number-quantities policy to take effect', async () => {
        try { return await create(decimals, `decimals-${String(++serial)}`); } catch { return undefined; }
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.deepEqual(created.spec, asStrings);
      assert.deepEqual(validateSpec(created.spec), [], 'the controller accepts it');
      // An update with a decimal is rewritten too.
      const name = created.metadata?.name ?? '';
      const patched = await custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name, body: { spec: { tolerance: 0.3 } } },
        merge) as HorizontalAutoscaler;
      assert.equal(patched.spec.tolerance, '0.3');
    });

    test('a bad decimal is still refused by the schema rules, naming the field', async () => {
      await rejects({ spec: { scaleTargetRef: ref, maxReplicas: 3, metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: -0.5 } } }] },
        field: 'spec.metrics[0].external.target.value', message: 'must be a quantity greater than 0' });
    });
  });
});
