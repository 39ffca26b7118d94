// The Prometheus Operator objects kscale ships — the ServiceMonitor and PrometheusRule of the
// kustomize overlay (deploy/overlays/prometheus) and of the Helm chart — validated by a real API
// server against prometheus-operator's own CRDs (their published schemas, fetched from its Go module
// by tools/prometheus-operator/crds.sh), with `kubectl apply --dry-run=server` as a user would. The
// schemas are shown to bite: a misspelled field and a malformed duration are refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { binaryPath, type ControlPlane } from '../../src/controlplane/index.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { controlPlaneSuiteOptions, startSuiteControlPlane } from '../support/control-plane.ts';

const run = promisify(execFile);
const repo = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const NS = 'kscale-system';

interface Obj { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, unknown> }
const parseStream = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null);
const monitoringObjects = (objs: Obj[]): Obj[] => objs.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');

describe('deploy: ServiceMonitor and PrometheusRule against prometheus-operator\'s own CRDs', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let dir: string;
  let crdDir: string;
  let helmBin: string;

  /** `kubectl apply --dry-run=server` of these objects: kubectl's output, or its error output. */
  async function dryRun(objs: Obj[]): Promise<{ ok: boolean; text: string }> {
    const file = join(dir, `objects-${String(Date.now())}.yaml`);
    await writeFile(file, objs.map((o) => stringify(o)).join('---\n'));
    try {
      const { stdout, stderr } = await run(binaryPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--dry-run=server', '-f', file]);
      return { ok: true, text: stdout + stderr };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, text: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }

  async function helmTemplate(sets: string[]): Promise<Obj[]> {
    const home = join(dir, 'helm');
    const env = { ...process.env, HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data') };
    const { stdout } = await run(helmBin, ['template', 'kscale', repo('deploy/chart/kscale'), '--namespace', NS, ...sets], { env, maxBuffer: 64 << 20 });
    return parseStream(stdout);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kscale-promop-'));
    crdDir = (await run('bash', [repo('tools/prometheus-operator/crds.sh')])).stdout.trim();
    await run('bash', [repo('tools/helm/build.sh')], { maxBuffer: 16 << 20 });
    helmBin = (await run('bash', [repo('tools/helm/build.sh'), '--print-path'])).stdout.trim();
    cp = await startSuiteControlPlane();
    const crds = await Promise.all(['servicemonitors', 'prometheusrules'].map((k) => readFile(join(crdDir, `monitoring.coreos.com_${k}.yaml`), 'utf8')));
    await cp.applyYaml(crds.join('\n---\n'));
    await cp.applyYaml(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`);
  });

  after(async () => {
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the CRDs are prometheus-operator\'s, with structural schemas (no preserve-unknown-fields stand-ins)', async () => {
    const http = new KubeHttp({ kubeConfig: cp.kubeConfig });
    for (const name of ['servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']) {
      const crd = await http.get<{ metadata: { annotations?: Record<string, string> }; spec: { versions: { name: string; schema: { openAPIV3Schema: { properties?: { spec?: { properties?: Record<string, unknown> } }; 'x-kubernetes-preserve-unknown-fields'?: boolean } } }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      assert.equal(crd.metadata.annotations?.['operator.prometheus.io/version'], '0.85.0', name);
      const v1 = crd.spec.versions.find((v) => v.name === 'v1');
      assert.ok(v1, name);
      assert.notEqual(v1.schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields'], true);
      const fields = Object.keys(v1.schema.openAPIV3Schema.properties?.spec?.properties ?? {});
      assert.ok(fields.includes(name.startsWith('service') ? 'endpoints' : 'groups'), `${name}: ${fields.join(', ')}`);
    }
  });

  test('kubectl apply --dry-run=server accepts the overlay\'s ServiceMonitor and PrometheusRule', async () => {
    const { stdout } = await run(binaryPath('kubectl'), ['kustomize', repo('deploy/overlays/prometheus')], { maxBuffer: 64 << 20 });
    const objs = monitoringObjects(parseStream(stdout));
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['PrometheusRule', 'ServiceMonitor']);
    const r = await dryRun(objs);
    assert.ok(r.ok, r.text);
    assert.match(r.text, /servicemonitor\.monitoring\.coreos\.com\/kscale-controller created \(server dry run\)/);
    assert.match(r.text, /prometheusrule\.monitoring\.coreos\.com\/kscale created \(server dry run\)/);
  });

  test('... and the Helm chart\'s, with every Prometheus value set', async () => {
    const objs = monitoringObjects(await helmTemplate([
      '--set', 'serviceMonitor.enabled=true,prometheusRule.enabled=true',
      '--set', 'serviceMonitor.interval=15s,serviceMonitor.scrapeTimeout=10s',
      '--set', 'serviceMonitor.labels.release=kube-prometheus-stack,prometheusRule.labels.team=platform',
    ]));
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['PrometheusRule', 'ServiceMonitor']);
    const r = await dryRun(objs);
    assert.ok(r.ok, r.text);
    assert.match(r.text, /created \(server dry run\)[\s\S]*created \(server dry run\)/);
  });

  test('the schemas bite: a misspelled field, a malformed duration and a rule without expr are refused', async () => {
    const { stdout } = await run(binaryPath('kubectl'), ['kustomize', repo('deploy/overlays/prometheus')], { maxBuffer: 64 << 20 });
    const objs = monitoringObjects(parseStream(stdout));
    const monitor = objs.find((o) => o.kind === 'ServiceMonitor')!;
    const rule = objs.find((o) => o.kind === 'PrometheusRule')!;

    const misspelled = structuredClone(monitor);
    (misspelled.spec.endpoints as Record<string, unknown>[])[0]!.honourLabels = true;
    const r1 = await dryRun([misspelled]);
    assert.ok(!r1.ok, r1.text);
    assert.match(r1.text, /unknown field "spec\.endpoints\[0\]\.honourLabels"/);

    const badInterval = structuredClone(monitor);
    (badInterval.spec.endpoints as Record<string, unknown>[])[0]!.interval = 'half a minute';
    const r2 = await dryRun([badInterval]);
    assert.ok(!r2.ok, r2.text);
    assert.match(r2.text, /spec\.endpoints\[0\]\.interval/);

    const noExpr = structuredClone(rule);
    const groups = noExpr.spec.groups as { rules: Record<string, unknown>[] }[];
    delete groups[0]!.rules[0]!.expr;
    const r3 = await dryRun([noExpr]);
    assert.ok(!r3.ok, r3.text);
    assert.match(r3.text, /expr/);
  });
});
