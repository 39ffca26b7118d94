// `kubectl kscale why demo/worker` on the embedded control plane: the demo workload that `npm start`
// creates, autoscaled by the real controller, explained by the real kubectl running the plugin from
// this checkout's bin/ (as `export PATH=$PWD/bin:$PATH` would), with KUBECONFIG as kubectl reads it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { DEMO_NAMESPACE, startDemo, type DemoLoad } from '../../src/cli/embedded-demo.ts';
import { latestDecision, ruleText } from '../../src/cli/why-text.ts';
import { ledgerEntries } from '../../src/engine/ledger.ts';
import { parseConfig } from '../../src/config.ts';
import { binaryPath, startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const HZA = `/apis/kscale.dev/v1alpha1/namespaces/${DEMO_NAMESPACE}/horizontalautoscalers/worker`;

interface Result { code: number | null; stdout: string; stderr: string }

describe('kubectl kscale on the embedded control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let controller: RunningController | undefined;
  let readier: { stop(): Promise<void> } | undefined;
  let load: DemoLoad | undefined;
  let hza: HorizontalAutoscaler;

  /** The real kubectl, finding kubectl-kscale in the checkout's bin/ and Node 24 on the PATH. */
  const kubectl = (args: string[]): Promise<Result> => new Promise((resolve, reject) => {
    const child = spawn(binaryPath('kubectl'), args, {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, PATH: [`${repo}bin`, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code, stdout, stderr }); });
  });
  const withoutAges = (text: string): string => text.replace(/ \(\d+[smhd] ago\)/g, '');

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(`${repo}deploy/crd/horizontalautoscalers.kscale.dev.yaml`, 'utf8'));
    readier = startPodReadier(cp.kubeConfig, DEMO_NAMESPACE);
    // What `kscale run --embedded` runs: the controller on the demo namespace, the demo's rising queue.
    controller = await startController(
      parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${DEMO_NAMESPACE}`, '--metrics-tick=1s']),
      cp.kubeConfig, createLogger({ level: 'error' }));
    load = await startDemo(cp, 40_000);
    await eventually('a scale-up in the decision ledger', async () => {
      const ledger = ledgerEntries((await admin.get<HorizontalAutoscaler>(HZA)).status?.decisions);
      return ledger.some((d) => d.desiredReplicas > d.currentReplicas) ? true : undefined;
    }, 120_000, 1_000);
    // Freeze the status: what kubectl reads below is then exactly what this test reads.
    await controller.stop();
    controller = undefined;
    load.stop();
    hza = await admin.get<HorizontalAutoscaler>(HZA);
  });

  after(async () => {
    load?.stop();
    await controller?.stop();
    await readier?.stop();
    await cp?.stop(); // undefined when the start failed
  });

  test('`kubectl kscale why demo/worker` explains the latest decision: metrics, proposal, bounding rule, conditions, history', async () => {
    const r = await kubectl(['kscale', 'why', 'demo/worker']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = r.stdout;
    const last = latestDecision(hza);
    assert.ok(last, 'the controller recorded a decision');
    assert.match(out, /^HorizontalAutoscaler demo\/worker scales Deployment\/worker between 1 and 10 replicas\.\n/);
    assert.ok(out.includes(`Latest decision, ${last.time} (`), out);
    const change = last.desiredReplicas === last.currentReplicas ? `stay at ${last.currentReplicas}`
      : `scale ${last.desiredReplicas > last.currentReplicas ? 'up' : 'down'} ${last.currentReplicas} → ${last.desiredReplicas}`;
    assert.ok(out.includes(`): ${change}\n`), `${change} in\n${out}`);
    // Each metric's value against its target and its proposal, as the controller computed them.
    assert.ok((last.metrics ?? []).length > 0);
    for (const m of last.metrics ?? []) {
      assert.match(m.metric, /queue_messages_ready\{queue=orders\}/);
      assert.ok(out.includes(`- ${m.metric}: ${m.current ?? '?'} against a target of ${m.target ?? '?'}`), out);
      if (m.replicas !== undefined) assert.ok(out.includes(`→ proposes ${m.replicas} replica`), out);
    }
    assert.ok(out.includes(`  Bounded by: ${ruleText(last, hza)}\n`), out);
    assert.ok(out.includes(`  Result: ${last.desiredReplicas} replica`), out);
    for (const c of hza.status?.conditions ?? []) assert.ok(out.includes(`  ${c.type}=${c.status} ${c.reason ?? ''}`), `${c.type} in\n${out}`);
    // The ledger, newest first, each with its time; the scale-up the test waited for among them.
    const ledger = ledgerEntries(hza.status?.decisions);
    const positions = ledger.map((d) => out.indexOf(`  ${d.time} (`, out.indexOf('Recent decisions')));
    assert.ok(positions.every((p) => p > 0), out);
    assert.deepEqual([...positions].sort((a, b) => b - a), positions, 'newest first');
    const up = ledger.find((d) => d.desiredReplicas > d.currentReplicas);
    assert.ok(up);
    const proposed = up.proposedReplicas !== undefined && up.proposedReplicas !== up.desiredReplicas ? ` (proposed ${up.proposedReplicas})` : '';
    assert.ok(out.includes(`scale up ${up.currentReplicas} → ${up.desiredReplicas}${proposed} — external metric queue_messages_ready{queue=orders} above target`), out);
    // Each decision's metric math follows it.
    for (const m of up.metrics) assert.ok(out.includes(`\n      ${m}\n`), `${m} in\n${out}`);
  });

  test('-o json prints the ledger (lines) as the status holds it; NAME -n NAMESPACE reads the same object', async () => {
    const json = await kubectl(['kscale', 'why', 'demo/worker', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { lastDecision: hza.status?.lastDecision, decisions: hza.status?.decisions ?? [] });
    const [a, b] = await Promise.all([kubectl(['kscale', 'why', 'demo/worker']), kubectl(['kscale', 'why', 'worker', '-n', 'demo'])]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(withoutAges(b.stdout), withoutAges(a.stdout));
  });

  test('one-line errors: not found, an unknown context, lint without input', async () => {
    const missing = await kubectl(['kscale', 'why', 'demo/missing']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'kubectl kscale why: HorizontalAutoscaler demo/missing not found\n');
    const context = await kubectl(['kscale', 'why', 'demo/worker', '--context', 'nope']);
    assert.equal(context.code, 2);
    // The wording is src/kube/config.ts's; what matters here is one line naming the context.
    assert.match(context.stderr, /^kubectl kscale why: [^\n]*context "nope" not found[^\n]*\n$/);
    const lint = await kubectl(['kscale', 'lint']);
    assert.equal(lint.code, 2);
    assert.equal(lint.stderr, 'kubectl kscale lint: give -f FILE|DIR (one or more) or --live NAMESPACE/NAME\n');
  });

  test('`kubectl kscale decide demo/worker` decides the live object now; kubectl lists the plugin', async () => {
    const r = await kubectl(['kscale', 'decide', 'demo/worker', '-o', 'text']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Decision: /);
    assert.match(r.stdout, /queue_messages_ready\{queue=orders\}: current \S+ \/ target \S+/);
    const list = await kubectl(['plugin', 'list']);
    assert.match(list.stdout, /\/bin\/kubectl-kscale\n/);
  });
});
