// The install artifacts on a real control plane: the kustomize base (deploy/base), the Prometheus
// overlay and the Helm chart (deploy/chart/kscale) render the same objects, apply cleanly, and the
// controller, run as the ServiceAccount they create, reconciles with leader election; the apiserver's
// audit log then proves that every RBAC grant is used, that nothing touches Secrets, and that
// removing any one rule breaks the controller observably.
// helm is built from its Go module by tools/helm/build.sh (run in before(); quick when cached).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { UPSTREAM_DEFAULTS } from '../../src/api/defaults.ts';
import type { HorizontalAutoscaler, HorizontalAutoscalerSpec } from '../../src/api/types.ts';
import { parseConfig } from '../../src/config.ts';
import { binaryPath, startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import {
  byKey, CHART, find, Helm, keyOf, kustomize, repo, withoutHelmAdditions,
  type Container, type DeploymentObject, type K8sObject, type PodSpec, type Rule, type RoleObject,
} from '../support/manifests.ts';

const run = promisify(execFile);

const NS = 'kscale-system';
const SA = 'kscale-controller';
const SA_USER = `system:serviceaccount:${NS}:${SA}`;
const RELEASE = 'kscale';

// ---------------------------------------------------------------- rendering (test/support/manifests.ts)

let helmCli: Helm | undefined;
async function helm(args: string[], kubeconfig?: string): Promise<string> {
  assert.ok(helmCli, 'helm is opened in before()');
  return helmCli.run(args, kubeconfig);
}
const helmTemplate = async (sets: string[] = [], release = RELEASE): Promise<K8sObject[]> => {
  assert.ok(helmCli, 'helm is opened in before()');
  return helmCli.template(sets, release, NS);
};

/** The API path of a rendered object (the kinds the manifests contain). */
function objectPath(o: K8sObject): string {
  const plural: Record<string, string> = {
    ServiceAccount: 'serviceaccounts', Service: 'services', Deployment: 'deployments', PodDisruptionBudget: 'poddisruptionbudgets',
    Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings',
    CustomResourceDefinition: 'customresourcedefinitions', Namespace: 'namespaces',
    ValidatingAdmissionPolicy: 'validatingadmissionpolicies', ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
  };
  const resource = plural[o.kind];
  assert.ok(resource, `objectPath: unexpected kind ${o.kind}`);
  const prefix = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${prefix}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${resource}/${o.metadata.name}`;
}
const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.code === 404;

/** Values of the container's env as the kubelet would set them (fieldRefs resolved for this pod). */
function containerEnv(c: Container, pod: { namespace: string; name: string }): NodeJS.ProcessEnv {
  const fields: Record<string, string> = { 'metadata.namespace': pod.namespace, 'metadata.name': pod.name };
  return Object.fromEntries((c.env ?? []).map((e) => {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    const v = ref !== undefined ? fields[ref] : e.value;
    assert.ok(v !== undefined, `env ${e.name}: unsupported source`);
    return [e.name, v];
  }));
}

// ---------------------------------------------------------------- RBAC and the audit log

interface Tuple { group: string; resource: string; verb: string }
const fmt = (t: Tuple): string => `${t.group || 'core'} ${t.resource} ${t.verb}`;

function grantedTuples(rule: Rule): Tuple[] {
  assert.equal(rule.resourceNames, undefined, 'rules are not restricted by resourceNames');
  assert.equal(rule.nonResourceURLs, undefined, 'no nonResourceURLs');
  return (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb }))));
}

/** RBAC's matching (rbac/v1 helpers): '*' any group/resource/verb, '*\/x' any resource's subresource x. */
function covers(grant: Tuple, used: Tuple): boolean {
  const groupOk = grant.group === '*' || grant.group === used.group;
  const verbOk = grant.verb === '*' || grant.verb === used.verb;
  const [res = '', sub] = used.resource.split('/');
  const resourceOk = grant.resource === '*' || grant.resource === used.resource
    || (grant.resource.startsWith('*/') && sub !== undefined && grant.resource.slice(2) === sub && res !== '');
  return groupOk && resourceOk && verbOk;
}

interface AuditEvent {
  auditID: string; stage: string; verb: string; requestURI: string;
  user: { username: string };
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}
interface Request extends Tuple { code: number; uri: string }

/** Only the controller's ServiceAccount is logged: one line per finished (or, for watches, started) request. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${SA_USER}"]
  - level: None
`;

describe('deploy: kustomize base, Prometheus overlay and Helm chart on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let saKubeConfig: KubeConfig;
  let base: K8sObject[];
  let chart: K8sObject[];
  let auditLog: string;
  let ns: string;
  let readier: { stop(): Promise<void> } | undefined;
  let controller: RunningController | undefined;
  let identities = 0;
  const drivers: NodeJS.Timeout[] = [];
  const savedPodNamespace = process.env.POD_NAMESPACE;

  /** Requests by the ServiceAccount logged after byte offset `from`, one per audit ID (the last stage wins). */
  async function requests(from = 0): Promise<Request[]> {
    // `from` is a byte offset (the file's size earlier): slice the bytes, then decode, so that a
    // multi-byte character before it cannot shift the cut into the middle of a line.
    const text = (await readFile(auditLog).catch(() => Buffer.alloc(0))).subarray(from).toString('utf8');
    const byId = new Map<string, AuditEvent>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as AuditEvent;
      if (e.user.username === SA_USER) byId.set(e.auditID, e);
    }
    return [...byId.values()].filter((e) => e.objectRef?.resource).map((e) => ({
      group: e.objectRef?.apiGroup ?? '',
      resource: `${e.objectRef?.resource ?? ''}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`,
      verb: e.verb, code: e.responseStatus?.code ?? 0, uri: e.requestURI,
    }));
  }
  const auditOffset = async (): Promise<number> => { const f = await open(auditLog, 'r'); try { return (await f.stat()).size; } finally { await f.close(); } };

  /** The controller as the Deployment runs it: its args and env, plus test timings, under the SA's token. */
  async function startAsDeployed(): Promise<RunningController> {
    const dep = find<DeploymentObject>(base, 'Deployment');
    const c = dep.spec.template.spec.containers[0];
    assert.ok(c?.args && c.args[0] === 'run');
    const env = containerEnv(c, { namespace: dep.metadata.namespace ?? '', name: `kscale-controller-test-${String(++identities)}` });
    // ownNamespace() reads POD_NAMESPACE from the process, as in the pod.
    process.env.POD_NAMESPACE = env.POD_NAMESPACE;
    const config = parseConfig([
      ...c.args.slice(1),
      '--http-address=127.0.0.1:0', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms', '--metrics-tick=500ms', '--sync-period=1s',
    ], env);
    return startController(config, saKubeConfig, createLogger({ level: 'fatal' }));
  }

  before(async () => {
    // Idempotent and quick once cached; builds helm from its Go module the first time (about 1.5 min).
    await run('bash', [repo('tools/helm/build.sh')], { maxBuffer: 16 << 20 });
    helmCli = await Helm.open();
    [base, chart] = await Promise.all([kustomize('deploy/base'), helmTemplate()]);
    cp = await startSuiteControlPlane({ controllerManager: true, auditPolicy: AUDIT_POLICY });
    auditLog = join(cp.workDir, 'logs', 'audit.log');
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
  });

  after(async () => {
    for (const d of drivers) clearInterval(d);
    await controller?.stop();
    await readier?.stop();
    await cp.stop();
    await helmCli?.close();
    if (savedPodNamespace === undefined) delete process.env.POD_NAMESPACE; else process.env.POD_NAMESPACE = savedPodNamespace;
  });

  test('helm lint passes (default values, and with the Prometheus objects on)', async () => {
    const out = await helm(['lint', '--strict', CHART]);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.match(await helm(['lint', '--strict', CHART, '--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true']), /0 chart\(s\) failed/);
    // The values schema rejects a mistyped value.
    await assert.rejects(helm(['lint', '--strict', CHART, '--set', 'replicaCount=two']), /replicaCount/);
  });

  test('helm template with default values renders exactly the kustomize base, bar the Namespace and Helm labels', () => {
    const k = byKey(base);
    const h = byKey(chart);
    // Helm installs into an existing namespace (--create-namespace), so only the base has the Namespace.
    assert.deepEqual([...k.keys()].filter((key) => !h.has(key)), [`v1 Namespace -/${NS}`]);
    assert.deepEqual([...h.keys()].filter((key) => !k.has(key)), []);
    assert.deepEqual([...k.keys()].filter((key) => h.has(key)).sort(), [
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy -/kscale-lint',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding -/kscale-lint',
      `apiextensions.k8s.io/v1 CustomResourceDefinition -/horizontalautoscalers.kscale.dev`,
      `apps/v1 Deployment ${NS}/kscale-controller`,
      `policy/v1 PodDisruptionBudget ${NS}/kscale-controller`,
      `rbac.authorization.k8s.io/v1 ClusterRole -/kscale-controller`,
      `rbac.authorization.k8s.io/v1 ClusterRoleBinding -/kscale-controller`,
      `rbac.authorization.k8s.io/v1 Role ${NS}/kscale-leader-election`,
      `rbac.authorization.k8s.io/v1 RoleBinding ${NS}/kscale-leader-election`,
      `v1 Service ${NS}/kscale-controller-metrics`,
      `v1 ServiceAccount ${NS}/kscale-controller`,
    ]);
    for (const [key, ko] of k) {
      const ho = h.get(key);
      if (ho) assert.deepEqual(withoutHelmAdditions(ho), ko, key);
    }
  });

  test('the base Deployment: image, two leader-elected replicas, env, probes, resources, restricted security context, spread', () => {
    const dep = find<DeploymentObject>(base, 'Deployment');
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    assert.ok(c);
    assert.equal(dep.spec.replicas, 2);
    assert.equal(c.image, 'ghcr.io/kscale-dev/kscale:0.1.0');
    assert.deepEqual(c.args, ['run', '--leader-elect=true']);
    assert.deepEqual(c.env?.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]), [['POD_NAMESPACE', 'metadata.namespace'], ['KSCALE_IDENTITY', 'metadata.name']]);
    assert.deepEqual(c.ports?.map((p) => [p.name, p.containerPort]), [['http', 8080]]);
    assert.deepEqual(c.livenessProbe, { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    assert.deepEqual((c.readinessProbe as { httpGet: unknown }).httpGet, { path: '/readyz', port: 'http' });
    assert.deepEqual(c.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal(pod.serviceAccountName, SA);
    assert.equal(pod.automountServiceAccountToken, true);
    assert.deepEqual(pod.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: dep.spec.selector.matchLabels } }]);
    // The PDB and the metrics Service select exactly these pods; the Service's port is named http-metrics.
    const pdb = find<K8sObject & { spec: { maxUnavailable: number; selector: { matchLabels: unknown } } }>(base, 'PodDisruptionBudget');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, dep.spec.template.metadata.labels);
    const svc = find<K8sObject & { spec: { selector: unknown; ports: { name: string; port: number; targetPort: string }[] } }>(base, 'Service');
    assert.deepEqual(svc.spec.selector, dep.spec.template.metadata.labels);
    assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['http-metrics', 8080, 'http']]);
    // The controller accepts exactly these args and env: leader election on, identity = pod name.
    const config = parseConfig(c.args?.slice(1) ?? [], containerEnv(c, { namespace: NS, name: 'kscale-controller-7d9f-abcde' }));
    assert.equal(config.leaderElect, true);
    assert.equal(config.identity, 'kscale-controller-7d9f-abcde');
    assert.equal(config.httpAddress, '0.0.0.0:8080');
    assert.deepEqual(config.defaults, UPSTREAM_DEFAULTS);
  });

  test('chart values become controller flags that src/config.ts accepts, and object settings', async () => {
    const objs = await helmTemplate([
      '--set', 'watchNamespaces={team-a,team-b}', '--set', 'labelSelector=shard in (one)', '--set', 'logLevel=debug',
      '--set', 'controller.tolerance=0', '--set', 'controller.syncPeriod=30s', '--set', 'controller.cpuInitializationPeriod=2m',
      '--set', 'controller.initialReadinessDelay=10s', '--set', 'controller.downscaleStabilization=1m',
      '--set', 'replicaCount=3', '--set', 'image.tag=9.9.9', '--set', 'image.pullPolicy=Always', '--set', 'resources.limits.memory=1Gi',
      '--set-json', 'nodeSelector={"disk":"ssd"}', '--set-json', 'tolerations=[{"key":"ops","operator":"Exists"}]',
      '--set-json', 'affinity={"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"arch","operator":"In","values":["amd64"]}]}]}}}',
      '--set', 'podSecurityContext.fsGroup=65532', '--set', 'securityContext.runAsUser=1000', '--set', 'crds.install=false',
    ], 'shard-one');
    const dep = find<DeploymentObject>(objs, 'Deployment', 'shard-one-kscale-controller');
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    assert.ok(c);
    assert.equal(dep.spec.replicas, 3);
    assert.equal(c.image, 'ghcr.io/kscale-dev/kscale:9.9.9');
    const config = parseConfig(c.args?.slice(1) ?? [], containerEnv(c, { namespace: NS, name: 'p-1' }));
    assert.deepEqual(config.namespaces, ['team-a', 'team-b']);
    assert.equal(config.labelSelector, 'shard in (one)');
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.defaults, { tolerance: 0, syncPeriodSeconds: 30, cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10, downscaleStabilizationSeconds: 60 });
    assert.equal(config.leaderElect, true);
    // A second release (e.g. another shard) gets its own Lease.
    assert.equal(config.leaderElectionId, 'shard-one-kscale-controller');
    assert.equal(config.identity, 'p-1');
    assert.deepEqual(pod.nodeSelector, { disk: 'ssd' });
    assert.deepEqual(pod.tolerations, [{ key: 'ops', operator: 'Exists' }]);
    assert.ok(pod.affinity);
    assert.equal(pod.securityContext?.fsGroup, 65532);
    assert.equal(c.securityContext?.runAsUser, 1000);
    assert.deepEqual((c.resources as { limits: unknown }).limits, { cpu: '1', memory: '1Gi' });
    assert.equal(objs.some((o) => o.kind === 'CustomResourceDefinition'), false);
    const sa = find(objs, 'ServiceAccount');
    const binding = find<K8sObject & { subjects: unknown[]; roleRef: { name: string } }>(objs, 'ClusterRoleBinding');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: NS }]);
    assert.equal(binding.roleRef.name, find(objs, 'ClusterRole').metadata.name);

    // Without leader election: one replica only, no Lease Role, --leader-elect=false.
    const single = await helmTemplate(['--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1']);
    const sc = find<DeploymentObject>(single, 'Deployment').spec.template.spec.containers[0];
    assert.equal(parseConfig(sc?.args?.slice(1) ?? []).leaderElect, false);
    assert.equal(single.some((o) => o.kind === 'Role'), false);
    await assert.rejects(helmTemplate(['--set', 'leaderElection.enabled=false']), /replicaCount > 1 needs leaderElection.enabled=true/);
  });

  test('the Prometheus overlay adds a ServiceMonitor for the metrics Service and the PrometheusRule; the chart renders the same', async () => {
    const overlay = await kustomize('deploy/overlays/prometheus');
    const k = byKey(overlay);
    const baseKeys = base.map(keyOf);
    const added = [...k.keys()].filter((key) => !baseKeys.includes(key));
    assert.deepEqual(added.map((key) => key.split(' ').slice(0, 2).join(' ')).sort(), ['monitoring.coreos.com/v1 PrometheusRule', 'monitoring.coreos.com/v1 ServiceMonitor']);
    const sm = find<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string; path: string }[] } }>(overlay, 'ServiceMonitor');
    const svc = find<K8sObject & { spec: { ports: { name: string }[] } }>(overlay, 'Service', 'kscale-controller-metrics');
    for (const [l, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels?.[l], v, `the Service has label ${l}=${v}`);
    assert.deepEqual(sm.spec.namespaceSelector.matchNames, [svc.metadata.namespace]);
    assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [['http-metrics', '/metrics']]);
    assert.ok(svc.spec.ports.some((p) => p.name === 'http-metrics'));
    // Other Services in the namespace would not be scraped: the selector names this release's controller.
    assert.equal(sm.spec.selector.matchLabels['app.kubernetes.io/instance'], RELEASE);

    const withMonitoring = byKey(await helmTemplate(['--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true']));
    for (const key of added) {
      const ho = withMonitoring.get(key);
      assert.ok(ho, `the chart renders ${key}`);
      assert.deepEqual(withoutHelmAdditions(ho), k.get(key), key);
    }
    const rules = find<K8sObject & { spec: { groups: unknown[] } }>(overlay, 'PrometheusRule');
    assert.ok(Array.isArray(rules.spec.groups) && rules.spec.groups.length > 0, 'the PrometheusRule has rule groups');
  });

  test('helm install as documented creates every object; helm uninstall removes them but keeps the CRD and its autoscalers', async () => {
    const installed = await helm(['install', RELEASE, CHART, '--namespace', NS, '--create-namespace'], cp.kubeconfigPath);
    assert.match(installed, /STATUS: deployed/);
    for (const o of chart) {
      const live = await admin.get<K8sObject>(objectPath(o));
      assert.equal(live.metadata.annotations?.['meta.helm.sh/release-name'], RELEASE, keyOf(o));
    }
    const other = await createTestNamespace(cp.kubeConfig, 'keep');
    // A CRD just created may take a moment to be served (503 "There can be a delay ..."): retried.
    await eventually('the survivor created', () => admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${other}/horizontalautoscalers`, {
      apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'survivor' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'absent' }, maxReplicas: 2, metrics: [{ type: 'External', external: { metric: { name: 'm' }, target: { type: 'Value', value: '1' } } }] },
    }).then(() => true, (e: unknown) => { if (e instanceof KubeApiError && e.code === 503) return undefined; throw e; }), 15_000);
    const uninstalled = await helm(['uninstall', RELEASE, '--namespace', NS], cp.kubeconfigPath);
    assert.match(uninstalled, /kept due to the resource policy/);
    for (const o of chart.filter((x) => x.kind !== 'CustomResourceDefinition')) {
      await eventually(`${keyOf(o)} to be deleted`, async () => (await admin.get(objectPath(o)).then(() => false, (e: unknown) => isNotFound(e))) || undefined);
    }
    await admin.get(objectPath(find(chart, 'CustomResourceDefinition')));
    const hza = `/apis/kscale.dev/v1alpha1/namespaces/${other}/horizontalautoscalers/survivor`;
    await admin.get(hza);
    await admin.request('DELETE', hza);
  });

  test('both renderings apply (kubectl apply -k as documented, server-side apply); the Deployment passes a dry run and its pods pass restricted Pod Security', async () => {
    const { stdout } = await run(binaryPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'apply', '-k', repo('deploy/base')]);
    assert.match(stdout, /deployment.apps\/kscale-controller (created|configured)/);
    await cp.applyYaml(base.map((o) => stringify(o)).join('---\n'));
    await cp.applyYaml(chart.map((o) => stringify(o)).join('---\n'));
    // The Prometheus overlay, too: with stand-ins for prometheus-operator's two CRDs (schema-free;
    // their real schemas are not ours to test), server-side apply accepts every object.
    await cp.applyYaml(['ServiceMonitor', 'PrometheusRule'].map((kind) => {
      const plural = `${kind.toLowerCase()}s`;
      return stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.monitoring.coreos.com` },
        spec: { group: 'monitoring.coreos.com', scope: 'Namespaced', names: { kind, plural, singular: kind.toLowerCase() },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } });
    }).join('---\n'));
    const overlay = await kustomize('deploy/overlays/prometheus');
    await cp.applyYaml(overlay.map((o) => stringify(o)).join('---\n'));
    for (const plural of ['servicemonitors', 'prometheusrules']) {
      const stored = await admin.get<{ items: unknown[] }>(`/apis/monitoring.coreos.com/v1/namespaces/${NS}/${plural}`);
      assert.equal(stored.items.length, 1, `the overlay's ${plural} were stored`);
    }
    const dep = find<DeploymentObject>(chart, 'Deployment');

    // A dry-run create of the same Deployment under another name: validated and admitted, never stored.
    const dry = structuredClone(dep);
    dry.metadata.name = 'kscale-dry-run';
    const created = await admin.post<DeploymentObject & { metadata: { uid?: string } }>(`/apis/apps/v1/namespaces/${NS}/deployments`, dry, { dryRun: 'All' });
    assert.deepEqual(created.spec.template.spec.containers[0]?.args, ['run', '--leader-elect=true']);
    await assert.rejects(admin.get(`/apis/apps/v1/namespaces/${NS}/deployments/kscale-dry-run`), isNotFound);

    // kscale-system enforces the restricted Pod Security Standard: the pod template passes...
    const podOf = (spec: PodSpec): object => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kscale-psa-check', namespace: NS, labels: dep.spec.template.metadata.labels }, spec });
    await admin.post(`/api/v1/namespaces/${NS}/pods`, podOf(dep.spec.template.spec), { dryRun: 'All' });
    // ...where the same pod without its security contexts is refused (so the check above means something).
    const loose = structuredClone(dep.spec.template.spec);
    delete loose.securityContext;
    for (const c of loose.containers) delete c.securityContext;
    await assert.rejects(admin.post(`/api/v1/namespaces/${NS}/pods`, podOf(loose), { dryRun: 'All' }),
      (e: unknown) => e instanceof KubeApiError && e.code === 403 && /violates PodSecurity "restricted:latest"/.test(e.message));
    // The ReplicaSet controller's real pods were admitted too (they stay Pending: no kubelet here).
    const selector = Object.entries(dep.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await eventually('2 controller pods', async () => {
      const list = await admin.get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: selector });
      return list.items.length === 2 ? list.items : undefined;
    });
    assert.equal(pods.length, 2);
  });

  test('the controller, as the ServiceAccount the manifests create, with leader election in kscale-system, scales a Deployment end to end', async () => {
    const token = await cp.mintToken(NS, SA, 3600);
    saKubeConfig = new KubeConfig();
    saKubeConfig.loadFromFile(await cp.writeKubeconfig(token));
    ns = await createTestNamespace(cp.kubeConfig, 'deploy');
    readier = startPodReadier(cp.kubeConfig, ns);
    const deployment = (name: string) => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '100m' } } }] } } },
    });
    const autoscaler = (name: string, spec: Partial<HorizontalAutoscalerSpec>) => admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
      apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 6, syncPeriodSeconds: 1, ...spec },
    });
    for (const d of ['queue', 'web', 'idle']) await deployment(d);
    // queue: an External metric drives the scale (the end-to-end case).
    cp.metrics.setExternalMetric(ns, 'queue_depth', [{ labels: { queue: 'jobs' }, value: '30' }]);
    await autoscaler('queue', {
      metrics: [{ type: 'External', external: { metric: { name: 'queue_depth', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // web: every other metrics API at its target (no scaling), so each is read with the SA's token.
    const podUsage = setInterval(() => {
      void admin.get<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=web' }).then((l) => {
        for (const p of l.items) if (p.status?.phase === 'Running') { cp.metrics.setPodUsage(ns, p.metadata.name, { app: { cpu: '100m' } }); cp.metrics.setPodsMetric(ns, p.metadata.name, 'rps', '10'); }
      }, () => undefined);
    }, 250);
    drivers.push(podUsage);
    cp.metrics.setObjectMetric(ns, 'services', 'front', 'requests', '10');
    await autoscaler('web', {
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } } },
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'requests' }, target: { type: 'Value', value: '10' } } },
      ],
    });
    // idle: its metric is never published, so a Warning repeats (the Event's count is patched).
    await autoscaler('idle', { metrics: [{ type: 'External', external: { metric: { name: 'never_published' }, target: { type: 'Value', value: '1' } } }] });

    // KEDA's and the VPA's CRDs (test data from their projects), so that the grants to watch their
    // objects are used (without them kscale only probes with a LIST).
    for (const crd of ['keda.sh_scaledobjects.yaml', 'vpa-v1-crd.yaml']) await cp.applyYaml(await readFile(repo(`test/fixtures/crds/${crd}`), 'utf8'));
    controller = await startAsDeployed();
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/queue`;
    const replicas = async (): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(path)).spec.replicas;
    await eventually('queue to scale to 3', async () => ((await replicas()) === 3 ? true : undefined), 40_000);
    cp.metrics.setExternalMetric(ns, 'queue_depth', [{ labels: { queue: 'jobs' }, value: '10' }]);
    await eventually('queue to scale back to 1', async () => ((await replicas()) === 1 ? true : undefined), 40_000);
    const getHza = (name: string) => admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/${name}`);
    const status = await eventually('queue status at 1', async () => { const s = (await getHza('queue')).status; return s?.currentReplicas === 1 && s.desiredReplicas === 1 ? s : undefined; });
    assert.equal(status.reference, 'Deployment/queue');
    const web = await eventually('web status with three metrics', async () => { const s = (await getHza('web')).status; return s?.currentMetrics?.length === 3 ? s : undefined; });
    assert.deepEqual(web.currentMetrics?.map((m) => m.type), ['Resource', 'Pods', 'Object']);
    assert.equal(web.currentMetrics?.[0]?.resource?.current.averageUtilization, 100);
    const events = async (): Promise<{ reason: string; count?: number; involvedObject: { name: string } }[]> => (await admin.get<{ items: { reason: string; count?: number; involvedObject: { name: string } }[] }>(`/api/v1/namespaces/${ns}/events`)).items;
    assert.ok((await events()).some((e) => e.involvedObject.name === 'queue' && e.reason === 'SuccessfulRescale'));
    await eventually('a repeated Warning for idle', async () => (await events()).find((e) => e.involvedObject.name === 'idle' && (e.count ?? 1) > 1));
    // The Lease in the pod's namespace, held by this replica's identity (its pod name).
    const lease = await admin.get<{ spec: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/kscale-controller`);
    assert.equal(lease.spec.holderIdentity, `kscale-controller-test-${String(identities)}`);
    // Let the Lease renew a few times (update), then stop: the release is an update too.
    await sleep(1500);
    await controller.stop();
    controller = undefined;
  });

  test('RBAC least privilege: every granted (group, resource, verb) was used, nothing was refused, nothing touched Secrets', async () => {
    const used = await requests();
    assert.ok(used.length > 0, 'the audit log has the ServiceAccount\'s requests');
    const refused = used.filter((r) => r.code === 403);
    assert.deepEqual(refused.map((r) => `${fmt(r)} ${r.uri}`), [], 'no request was forbidden');
    assert.deepEqual(used.filter((r) => r.resource.split('/')[0] === 'secrets').map((r) => r.uri), [], 'no request touched Secrets');
    // Used = authorized: a 404 (e.g. the Lease's first get) still needed the grant.
    const ok = used.filter((r) => r.code > 0 && r.code !== 401 && r.code !== 403);
    const roles = [find<RoleObject>(base, 'ClusterRole'), find<RoleObject>(base, 'Role')];
    const grants = roles.flatMap((r) => r.rules.flatMap(grantedTuples));
    const unused = grants.filter((g) => !ok.some((u) => covers(g, u)));
    assert.deepEqual(unused.map(fmt), [], `granted but never used; used: ${[...new Set(ok.map(fmt))].sort().join('; ')}`);
    // And the other way round: every request is covered by these two roles (nothing relies on other bindings).
    const uncovered = used.filter((u) => !grants.some((g) => covers(g, u)));
    assert.deepEqual(uncovered.map(fmt), []);
    // The apiserver agrees that the ServiceAccount may not read Secrets anywhere.
    for (const verb of ['get', 'list', 'watch']) {
      const review = await admin.post<{ status: { allowed: boolean } }>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: SA_USER, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'], resourceAttributes: { verb, resource: 'secrets', namespace: NS } },
      });
      assert.equal(review.status.allowed, false, `${verb} secrets`);
    }
  });

  test('removing any one RBAC rule makes the controller fail visibly: a 403 for that rule', async (t) => {
    const clusterRole = find<RoleObject>(base, 'ClusterRole');
    const role = find<RoleObject>(base, 'Role');
    const cases = [
      ...clusterRole.rules.map((rule, i) => ({ obj: clusterRole, i, rule })),
      ...role.rules.map((rule, i) => ({ obj: role, i, rule })),
    ];
    assert.ok(cases.length > 0);
    try {
      for (const c of cases) {
        const tuples = grantedTuples(c.rule);
        await t.test(`${c.obj.kind} ${c.obj.metadata.name} without rule ${String(c.i)} (${tuples.map(fmt).join(', ')})`, async () => {
          const without = structuredClone(c.obj);
          without.rules.splice(c.i, 1);
          await cp.applyYaml(stringify(without));
          // kscale writes a status only when what it says changes: clear the autoscalers' statuses so
          // the controller has one to write (and its status rule is exercised).
          const hzas = await admin.get<{ items: { metadata: { name: string } }[] }>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`);
          for (const h of hzas.items) {
            await admin.jsonPatch(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/${h.metadata.name}/status`, [{ op: 'remove', path: '/status' }]).catch(() => undefined);
          }
          // kscale reads a Deployment's scale from its cache and GETs /scale only before it changes one:
          // move `queue` off what its autoscaler wants, so a pass has a scale to read and write.
          await admin.mergePatch(`/apis/apps/v1/namespaces/${ns}/deployments/queue/scale`, { spec: { replicas: 3 } });
          const from = await auditOffset();
          const ctl = await startAsDeployed();
          try {
            const hit = await eventually(`a 403 for ${tuples.map(fmt).join(' or ')}`, async () =>
              (await requests(from)).find((r) => r.code === 403 && tuples.some((g) => covers(g, r))), 20_000);
            assert.ok(tuples.some((g) => covers(g, hit)));
          } finally {
            await ctl.stop();
            await cp.applyYaml(stringify(c.obj));
          }
        });
      }
    } finally {
      await cp.applyYaml([clusterRole, role].map((o) => stringify(o)).join('---\n'));
    }
  });
});

describe('deploy: copies of generated manifests are up to date', () => {
  // A chart reads only its own files, so these are byte-identical copies; tools/helm/sync-copies.sh
  // refreshes them.
  const pairs: [string, string][] = [
    ['deploy/crd/horizontalautoscalers.kscale.dev.yaml', 'deploy/chart/kscale/files/horizontalautoscalers.kscale.dev.yaml'],
    ['deploy/overlays/prometheus/prometheusrule.yaml', 'deploy/chart/kscale/files/prometheusrule.yaml'],
    ['deploy/admission/number-quantities.yaml', 'deploy/chart/kscale/files/number-quantities.yaml'],
    ['deploy/crd/kscale-lint-policy.yaml', 'deploy/chart/kscale/files/kscale-lint-policy.yaml'],
  ];
  for (const [src, dst] of pairs) {
    test(`${dst} equals ${src}`, async () => {
      const [a, b] = await Promise.all([readFile(repo(src), 'utf8'), readFile(repo(dst), 'utf8')]);
      assert.ok(a === b, `${dst} differs from ${src}: run bash tools/helm/sync-copies.sh`);
    });
  }
});

