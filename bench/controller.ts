// The controller at scale on the embedded control plane: N HorizontalAutoscalers on CPU in one
// namespace, each over its own Deployment's pods. Measures reconciles per second, API requests per
// reconcile, and pod-metrics listings against the baseline upstream's HPA makes (one listing per
// autoscaler per pass), side by side.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlPlaneBinaries, markPodReady, startControlPlane } from '../src/controlplane/index.ts';
import { parseConfig } from '../src/config.ts';
import { KubeHttp } from '../src/kube/http.ts';
import { startController } from '../src/main.ts';
import { createLogger } from '../src/observability/logger.ts';

const sum = (text: string, name: string, filter = ''): number => text.split('\n')
  .filter((l) => l.startsWith(name) && l.includes(filter) && !l.startsWith('#'))
  .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

export async function benchController(autoscalers = 100, podsEach = 2, seconds = 30): Promise<void> {
  const bins = controlPlaneBinaries();
  if (!bins.ok) { console.log(`controller: skipped (${bins.reason}); run tools/control-plane/build.sh`); return; }
  const cp = await startControlPlane();
  try {
    await cp.applyYaml(await readFile(new URL('../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url), 'utf8'));
    const http = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: 20 });
    const ns = 'bench';
    await http.post('/api/v1/namespaces', { metadata: { name: ns } });
    await Promise.all(Array.from({ length: autoscalers }, async (_, i) => {
      const app = `web-${i}`;
      await http.post(`/apis/apps/v1/namespaces/${ns}/deployments`, { metadata: { name: app }, spec: { replicas: podsEach, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
      for (let p = 0; p < podsEach; p++) {
        const pod = `${app}-${p}`;
        await http.post(`/api/v1/namespaces/${ns}/pods`, { metadata: { name: pod, labels: { app } }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] } });
        await markPodReady(cp.kubeConfig, ns, pod);
        cp.metrics.setPodUsage(ns, pod, { c: { cpu: '50m' } });
      }
      await http.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: app },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: app }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } });
    }));
    const rssBefore = process.memoryUsage().rss;
    const controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=5s']), cp.kubeConfig, createLogger({ level: 'error' }));
    await sleep(5_000); // warm-up: caches synced, first passes done
    const before = await (await fetch(`${controller.url}/metrics`)).text();
    const listingsBefore = cp.metrics.requests('resource').length;
    await sleep(seconds * 1000);
    const after = await (await fetch(`${controller.url}/metrics`)).text();
    const listings = cp.metrics.requests('resource').length - listingsBefore;
    await controller.stop();
    const reconciles = sum(after, 'kscale_reconciliations_total') - sum(before, 'kscale_reconciliations_total');
    const requests = sum(after, 'kscale_api_requests_total') - sum(before, 'kscale_api_requests_total');
    const p50 = (() => {
      const count = sum(after, 'kscale_reconciliation_duration_seconds_count') - sum(before, 'kscale_reconciliation_duration_seconds_count');
      const total = sum(after, 'kscale_reconciliation_duration_seconds_sum') - sum(before, 'kscale_reconciliation_duration_seconds_sum');
      return count > 0 ? (total / count) * 1000 : 0;
    })();
    console.log(`controller: ${autoscalers} autoscalers × ${podsEach} pods, sync 5 s, ${seconds} s measured`);
    console.log(`  reconciles/s                 ${(reconciles / seconds).toFixed(1)}  (due: ${(autoscalers / 5).toFixed(1)})`);
    console.log(`  mean reconcile time          ${p50.toFixed(1)} ms`);
    console.log(`  API requests per reconcile   ${(requests / Math.max(reconciles, 1)).toFixed(2)}  (scale read, status write; pods come from the cache)`);
    console.log(`  pod-metrics listings         kscale ${listings}  vs  baseline ${reconciles} (one per autoscaler per pass)  → ${(listings / Math.max(reconciles, 1) * 100).toFixed(1)}% of the baseline`);
    console.log(`  controller process RSS       +${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await cp.stop();
  }
}
