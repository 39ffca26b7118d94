// The three ways users connect a controller, each against the real API server: a kubeconfig
// (KUBECONFIG, --kubeconfig, --context), in-cluster (service-account token and CA), kubectl proxy.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { binaryPath, type ControlPlane } from '../../src/controlplane/index.ts';
import { BadKubeconfigError, loadKubeConfig, NoClusterError, SERVICE_ACCOUNT_DIR } from '../../src/kube/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { controlPlaneSuiteOptions, startSuiteControlPlane } from '../support/control-plane.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);

/** A loopback port nothing listens on: bound and released. */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => { resolve(); }));
  return port;
}

describe('connecting to the API server', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let dir: string;
  let saKubeconfig: string;
  let token: string;
  let proxy: ChildProcess | undefined;

  /** What the controller needs first: discovery of its group and a list of its objects. */
  async function canOperate(http: KubeHttp): Promise<void> {
    const group = await http.get<{ resources: { name: string }[] }>('/apis/kscale.dev/v1alpha1');
    assert.ok(group.resources.some((r) => r.name === 'horizontalautoscalers'));
    const list = await http.get<{ kind: string }>('/apis/kscale.dev/v1alpha1/horizontalautoscalers');
    assert.equal(list.kind, 'HorizontalAutoscalerList');
  }

  before(async () => {
    cp = await startSuiteControlPlane();
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    await cp.applyYaml('apiVersion: v1\nkind: Namespace\nmetadata: {name: kscale-system}\n');
    await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8'));
    // A just-established CRD answers 503 "storage is (re)initializing" for a moment.
    const admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    for (let i = 0; ; i++) {
      try { await admin.get('/apis/kscale.dev/v1alpha1/horizontalautoscalers'); break; } catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 100)); }
    }
    token = await cp.mintToken('kscale-system', 'kscale-controller', 3600);
    dir = await mkdtemp(join(tmpdir(), 'kscale-connect-'));
    saKubeconfig = await cp.writeKubeconfig(token, join(dir, 'sa.kubeconfig'));
  });
  after(async () => {
    proxy?.kill('SIGTERM');
    await cp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('kubeconfig via --kubeconfig, KUBECONFIG, and --context', async () => {
    // A second context pointing nowhere: --context must pick the right one.
    const text = await readFile(saKubeconfig, 'utf8');
    const two = `${text.trimEnd()}\n`;
    const multi = join(dir, 'multi.kubeconfig');
    const { parse, stringify } = await import('yaml');
    const doc = parse(two) as { clusters: { name: string; cluster: Record<string, unknown> }[]; contexts: { name: string; context: Record<string, unknown> }[]; 'current-context': string };
    doc.clusters.push({ name: 'nowhere', cluster: { server: `https://127.0.0.1:${await closedPort()}` } });
    doc.contexts.push({ name: 'nowhere', context: { ...doc.contexts[0]?.context, cluster: 'nowhere' } });
    const real = doc['current-context'];
    doc['current-context'] = 'nowhere';
    await writeFile(multi, stringify(doc));

    const viaFlag = loadKubeConfig({ kubeconfig: multi, context: real, env: {} });
    assert.equal(viaFlag.source, 'kubeconfig');
    await canOperate(new KubeHttp({ kubeConfig: viaFlag.kc, timeoutMs: 5000 }));
    const viaEnv = loadKubeConfig({ context: real, env: { KUBECONFIG: multi } });
    await canOperate(new KubeHttp({ kubeConfig: viaEnv.kc, timeoutMs: 5000 }));
    // Without --context the file's current context (nowhere) is used, and fails to connect.
    const wrong = loadKubeConfig({ env: { KUBECONFIG: multi } });
    await assert.rejects(new KubeHttp({ kubeConfig: wrong.kc, timeoutMs: 2000 }).get('/version'), /ECONNREFUSED/);
    assert.throws(() => loadKubeConfig({ kubeconfig: multi, context: 'typo', env: {} }), (e: unknown) => e instanceof BadKubeconfigError && /--context "typo" not found/.test(e.message));
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} }), BadKubeconfigError, 'a named --kubeconfig that is missing is a mistake, not "no cluster"');
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: join(dir, 'missing') } }), NoClusterError, 'KUBECONFIG naming only missing files is no cluster, as kubectl treats it');
  });

  test('in-cluster: the service-account token, CA and namespace files', async () => {
    const root = join(dir, 'pod-root');
    const sa = join(root, SERVICE_ACCOUNT_DIR);
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'token'), token);
    await writeFile(join(sa, 'ca.crt'), await readFile(join(cp.workDir, 'pki', 'ca.crt')));
    await writeFile(join(sa, 'namespace'), 'kscale-system');
    const port = new URL(cp.server).port;
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = port;
    try {
      const { kc, source } = loadKubeConfig({ env: process.env, serviceAccountRoot: root });
      assert.equal(source, 'in-cluster');
      await canOperate(new KubeHttp({ kubeConfig: kc, timeoutMs: 5000 }));
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST; else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT; else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  test('kubectl proxy: --server http://127.0.0.1:<port>', async () => {
    proxy = spawn(binaryPath('kubectl'), ['proxy', '--port=0', '--address=127.0.0.1', `--kubeconfig=${saKubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => { reject(new Error(`kubectl proxy did not start: ${out}`)); }, 15_000);
      proxy?.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1] ?? ''}`); }
      });
      proxy?.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
    });
    const { kc, source } = loadKubeConfig({ server: url, env: {} });
    assert.equal(source, 'server');
    await canOperate(new KubeHttp({ kubeConfig: kc, timeoutMs: 5000 }));
    assert.throws(() => loadKubeConfig({ server: 'ftp://x', env: {} }), /must be an http:\/\/ or https:\/\/ URL/);
  });

  test('every example HorizontalAutoscaler passes admission (schema and CEL), server-side dry run', async () => {
    const admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    const { parse } = await import('yaml');
    const { readdir } = await import('node:fs/promises');
    const dirUrl = repo('examples/autoscalers/');
    const files = (await readdir(dirUrl)).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 5);
    for (const f of files) {
      const obj = parse(await readFile(new URL(f, dirUrl), 'utf8')) as { metadata: { name: string; namespace: string } };
      await admin.request('PATCH', `/api/v1/namespaces/${obj.metadata.namespace}`, {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: obj.metadata.namespace } },
        contentType: 'application/apply-patch+yaml', query: { fieldManager: 'test' },
      });
      await admin.request('PATCH', `/apis/kscale.dev/v1alpha1/namespaces/${obj.metadata.namespace}/horizontalautoscalers/${obj.metadata.name}`, {
        body: obj, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'test', dryRun: 'All' },
      });
    }
  });

  test('no cluster configured: a clear message', () => {
    assert.throws(() => loadKubeConfig({ env: {} }), (e: unknown) => e instanceof NoClusterError && /no cluster configured/.test(e.message));
  });
});
