// Two controller replicas on a real API server: only the Lease holder acts, the standby is ready,
// and a graceful stop of the leader hands over at once.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);


const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('two controller replicas', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  const replicas: { name: string; c: RunningController }[] = [];

  before(async () => {
    cp = await startSuiteControlPlane();
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    await cp.applyYaml('apiVersion: v1\nkind: Namespace\nmetadata: {name: kscale-system}\n');
    await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8'));
    const kc = new KubeConfig();
    kc.loadFromFile(await cp.writeKubeconfig(await cp.mintToken('kscale-system', 'kscale-controller', 3600)));
    ns = await createTestNamespace(cp.kubeConfig, 'ha');
    for (const name of ['replica-a', 'replica-b']) {
      const config = parseConfig(['--http-address=127.0.0.1:0', `--namespace=${ns}`, '--leader-election-namespace=kscale-system', `--identity=${name}`,
        '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms']);
      replicas.push({ name, c: await startController(config, kc, createLogger({ level: 'error' })) });
    }
  });
  after(async () => {
    for (const r of replicas) await r.c.stop();
    await cp.stop();
  });

  const scrape = async (c: RunningController): Promise<string> => (await fetch(`${c.url}/metrics`)).text();
  const deployReplicas = async (): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).spec.replicas;

  test('only the leader scales; the standby is ready and takes over when the leader stops', async () => {
    await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } },
    });
    cp.metrics.setExternalMetric(ns, 'jobs', [{ labels: {}, value: '30' }]);
    await admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
      apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 1,
        metrics: [{ type: 'External', external: { metric: { name: 'jobs' }, target: { type: 'AverageValue', averageValue: '10' } } }] },
    });
    await eventually('the deployment at 3', async () => ((await deployReplicas()) === 3 ? true : undefined));

    const leaders = await eventually('exactly one leader', async () => {
      const states = await Promise.all(replicas.map(async (r) => ({ r, leader: metricValue(await scrape(r.c), 'kscale_leader') })));
      const ones = states.filter((s) => s.leader === 1);
      return ones.length === 1 && states.every((s) => s.leader === 0 || s.leader === 1) ? ones : undefined;
    });
    const leader = leaders[0]?.r;
    const standby = replicas.find((r) => r !== leader);
    assert.ok(leader && standby);
    const standbyMetrics = await scrape(standby.c);
    assert.equal(metricValue(standbyMetrics, 'kscale_api_requests_total{verb="put",code="200"}'), undefined, 'the standby never updated a scale');
    assert.equal(metricValue(standbyMetrics, 'kscale_reconciliations_total{action="scale_up",error="none"}'), undefined, 'nor reconciled');
    assert.equal((await fetch(`${standby.c.url}/readyz`)).status, 200, 'the standby is ready to take over');

    const stoppedAt = Date.now();
    await leader.c.stop();
    cp.metrics.setExternalMetric(ns, 'jobs', [{ labels: {}, value: '50' }]);
    await eventually('the standby to lead', async () => (metricValue(await scrape(standby.c), 'kscale_leader') === 1 ? true : undefined), 20_000, 100);
    // A released Lease is taken at the standby's next retry; an unreleased one only after it expires.
    const handover = Date.now() - stoppedAt;
    assert.ok(handover < 4000, `handover before the 4 s lease could expire (${handover} ms)`);
    await eventually('the deployment at 5', async () => ((await deployReplicas()) === 5 ? true : undefined));
    const lease = await admin.get<{ spec: { holderIdentity?: string } }>('/apis/coordination.k8s.io/v1/namespaces/kscale-system/leases/kscale-controller');
    assert.equal(lease.spec.holderIdentity, standby.name);
  });
});
