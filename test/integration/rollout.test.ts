// Rollout-aware scaling (issue 12 item 3) on a real control plane: kube-controller-manager's own
// Deployment controller rolls out twin Deployments (maxSurge 25 %, maxUnavailable 0: a zero-downtime
// rollout that only surges; minReadySeconds), three times in a row under a steady load, one
// autoscaled by kube-controller-manager's HPA, the other by kscale with rollout.policy ExcludeSurge.
//
// The load is the #72775 shape: every settled pod uses 100 % of its memory request (at target: at
// rest nothing scales), and a new pod uses 170 % while it warms up (until about when it becomes
// available). During a rollout the surge pod lifts the average to 114 %, and upstream multiplies that
// ratio by every pod it sees — the old ReplicaSet's and the surge pod included — so ceil(1.14 × 5) = 6
// for a Deployment of 4; the Deployment then surges 2 over 6, more warming pods come, and so on: the
// count ratchets up and stays there (at 100 % no proposal goes below it). kscale bounds a scale-up
// during the rollout by what the pods of spec.replicas propose, the youngest (surge) pods left out,
// and holds 4.
// Not covered by the rule, and so not shown here: with maxUnavailable > 0 a rollout also replaces pods
// without surging, and hot replacement pods within spec.replicas count for kscale as for upstream.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { ledgerEntries } from '../../src/engine/ledger.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { ReplicaTimeline } from '../support/replica-timeline.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
/** A new pod becomes available after this long Ready, and warms up for a little less. */
const MIN_READY_SECONDS = 4;
const WARM_UP_MS = 3_000;
const ROLLOUTS = 3;

interface PodItem { metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string } }
interface DeploymentObj { metadata: { generation: number }; spec: { replicas: number }; status: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number } }

describe('rollouts under steady load: kscale ExcludeSurge and the HPA side by side', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController;
  let readier: { stop(): Promise<void> };
  let loadTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true, controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period=1s'] });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    ns = await createTestNamespace(cp.kubeConfig, 'rollout');
    // The fake kubelet: every new pod Running and Ready as of now, rollout after rollout (Ready since
    // now, so minReadySeconds paces the rollout as on a real cluster).
    readier = startPodReadier(cp.kubeConfig, ns, { startTime: () => new Date(), readyTime: () => new Date() });
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=500ms', '--sync-period=1s']),
      cp.kubeConfig, createLogger({ level: 'fatal' }));
  });
  after(async () => {
    stopping = true;
    clearInterval(loadTimer);
    await controller.stop();
    await readier.stop();
    await cp.stop();
  });

  const path = (name: string): string => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const deploymentOf = (name: string) => admin.get<DeploymentObj>(path(name));

  /** The load model, alike for both twins: 100Mi of a 100Mi request once warm, 170Mi for the first seconds. */
  function applyLoad(): void {
    void admin.get<{ items: PodItem[] }>(`/api/v1/namespaces/${ns}/pods`).then((l) => {
      if (stopping) return;
      for (const p of l.items) {
        if (p.metadata.deletionTimestamp) continue;
        const age = Date.now() - Date.parse(p.metadata.creationTimestamp ?? '');
        cp.metrics.setPodUsage(ns, p.metadata.name, { c: { memory: age < WARM_UP_MS ? '170Mi' : '100Mi' } });
      }
    }, () => undefined);
  }

  /** A new pod template (an env value): the Deployment controller starts a rollout. */
  const rollOut = (name: string, n: number) => admin.jsonPatch(path(name), [{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: [{ name: 'VERSION', value: String(n) }] }]);

  const rolledOut = async (name: string): Promise<boolean> => {
    const d = await deploymentOf(name);
    const s = d.status;
    return s.observedGeneration === d.metadata.generation && s.updatedReplicas === d.spec.replicas && s.replicas === d.spec.replicas && s.availableReplicas === d.spec.replicas;
  };

  test('the HPA ratchets up over the rollouts; kscale holds steady', async () => {
    const names = ['ours', 'theirs'];
    for (const name of names) {
      await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
        metadata: { name },
        spec: {
          replicas: 4, minReadySeconds: MIN_READY_SECONDS, selector: { matchLabels: { app: name } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', env: [{ name: 'VERSION', value: '0' }], resources: { requests: { memory: '100Mi' } } }] } },
        },
      });
    }
    loadTimer = setInterval(applyLoad, 200);
    // The autoscalers come once the first pods are warm: creating a Deployment is not a rollout.
    await eventually('both Deployments available', async () => ((await rolledOut('ours')) && (await rolledOut('theirs')) ? true : undefined), 60_000);
    await sleep(WARM_UP_MS + 1_000);
    const spec = {
      minReplicas: 1, maxReplicas: 20,
      metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 100 } } }],
    };
    const target = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    await admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
      apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'ours' },
      spec: { scaleTargetRef: target('ours'), ...spec, rollout: { policy: 'ExcludeSurge' } },
    });
    await admin.post(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'theirs' }, spec: { scaleTargetRef: target('theirs'), ...spec },
    });

    // At rest both hold 4: 100 % is the target.
    await eventually('both autoscalers evaluated at 100 %', async () => {
      const h = await admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/ours`);
      const u = await admin.get<HorizontalAutoscaler>(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/theirs`);
      return [h, u].every((x) => x.status?.currentMetrics?.[0]?.resource?.current.averageUtilization === 100) ? true : undefined;
    }, 30_000);
    assert.deepEqual([(await deploymentOf('ours')).spec.replicas, (await deploymentOf('theirs')).spec.replicas], [4, 4], 'at rest nothing scales');
    const timelines = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await new ReplicaTimeline(async () => (await deploymentOf(n)).spec.replicas, 100).start()] as const)));
    const after: Record<string, number[]> = { ours: [], theirs: [] };
    try {
      for (let i = 1; i <= ROLLOUTS; i++) {
        for (const n of names) await rollOut(n, i);
        await eventually(`rollout ${i} of both done`, async () => ((await rolledOut('ours')) && (await rolledOut('theirs')) ? true : undefined), 90_000);
        for (const n of names) after[n]?.push((await deploymentOf(n)).spec.replicas);
      }
    } finally {
      await Promise.all(Object.values(timelines).map((t) => t.stop()));
    }
    const sequence = (n: string): number[] => [4, ...(timelines[n]?.changes.map((c) => c.to) ?? [])];
    const ours = await admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/ours`);
    const report = `replicas over ${ROLLOUTS} rollouts — upstream HPA: ${sequence('theirs').join(' → ')} (after each rollout: ${after.theirs?.join(', ')}); ` +
      `kscale ExcludeSurge: ${sequence('ours').join(' → ')} (after each rollout: ${after.ours?.join(', ')}); kscale's ledger: ${JSON.stringify(ledgerEntries(ours.status?.decisions).map((d) => [d.currentReplicas, d.proposedReplicas, d.desiredReplicas, d.limitedBy]))}`;
    console.log(report);
    // The #72775 pattern: the HPA's count went up during the rollouts and did not come back (100 % is
    // the target, and the scale-down stabilization holds it meanwhile).
    const theirs = sequence('theirs');
    assert.ok(Math.max(...theirs) > 4 && (after.theirs?.at(-1) ?? 0) > 4, `the HPA ratchets up: ${report}`);
    // kscale: no scale at all, and its ledger shows the rollout rule holding scale-ups.
    assert.deepEqual(sequence('ours'), [4], report);
    assert.ok(ledgerEntries(ours.status?.decisions).some((d) => d.limitedBy === 'rollout' && (d.proposedReplicas ?? 0) === 4), `a decision held by the rollout rule: ${report}`);
  });
});
