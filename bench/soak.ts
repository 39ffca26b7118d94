// `npm run bench -- --soak [--cycles 8] [--objects 150] [--annotation-kib 100]`: churn on the embedded
// control plane. Each cycle creates N autoscalers carrying large annotations (as kubectl's
// last-applied-configuration makes them), waits until every one was evaluated, deletes them all and
// waits until the controller let go of them; then prints the heap after a full GC and what the
// controller still holds per object. A flat heap column means nothing is kept per deleted object.
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { HorizontalAutoscaler } from '../src/api/types.ts';
import { controlPlaneBinaries, startControlPlane } from '../src/controlplane/index.ts';
import { parseConfig } from '../src/config.ts';
import { KubeHttp } from '../src/kube/http.ts';
import { startController } from '../src/main.ts';
import { createLogger } from '../src/observability/logger.ts';

export interface SoakOptions { cycles: number; objects: number; annotationKiB: number }

export function parseSoakArgs(argv: string[]): SoakOptions {
  const { values } = parseArgs({ args: argv, strict: false, options: { cycles: { type: 'string' }, objects: { type: 'string' }, 'annotation-kib': { type: 'string' } } });
  const int = (name: string, v: string | boolean | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (typeof v !== 'string' || !/^\d+$/.test(v) || n < 1) { console.error(`bench --soak: --${name} must be a positive integer, got ${JSON.stringify(v)}`); process.exit(2); }
    return n;
  };
  return { cycles: int('cycles', values.cycles, 8), objects: int('objects', values.objects, 150), annotationKiB: int('annotation-kib', values['annotation-kib'], 100) };
}

function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => { gc(); gc(); };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export async function benchSoak(o: SoakOptions): Promise<void> {
  const bins = controlPlaneBinaries();
  if (!bins.ok) { console.log(`soak: skipped (${bins.reason}); run tools/control-plane/build.sh`); return; }
  const gc = fullGc();
  const cp = await startControlPlane();
  try {
    await cp.applyYaml(await readFile(new URL('../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url), 'utf8'));
    const http = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: 20 });
    const ns = 'soak';
    await http.post('/api/v1/namespaces', { metadata: { name: ns } });
    cp.metrics.setExternalMetric(ns, 'queue', [{ labels: {}, value: '5' }]);
    const controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--sync-period=2s', '--metrics-tick=1s']),
      cp.kubeConfig, createLogger({ level: 'error' }));
    const collection = `/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`;
    const blob = 'x'.repeat(o.annotationKiB * 1024);
    const names = Array.from({ length: o.objects }, (_, i) => `churn-${String(i)}`);
    console.log(`soak: ${String(o.cycles)} cycles × ${String(o.objects)} autoscalers with ${String(o.annotationKiB)} KiB annotations, created, evaluated, deleted`);
    console.log('cycle  heap after GC  vs cycle 1   RSS      held per object after delete');
    gc();
    const base = process.memoryUsage().heapUsed;
    let first = 0;
    for (let cycle = 1; cycle <= o.cycles; cycle++) {
      for (let i = 0; i < names.length; i += 20) {
        await Promise.all(names.slice(i, i + 20).map((name) => http.post(collection, {
          apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name, annotations: { 'example.com/blob': blob } },
          spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 2,
            metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } }] },
        })));
      }
      await until('every autoscaler evaluated', async () => {
        const list = await http.get<{ items: HorizontalAutoscaler[] }>(collection);
        return list.items.length === names.length && list.items.every((a) => a.status?.conditions !== undefined);
      });
      await http.request('DELETE', collection);
      await until('every per-object entry freed', () => Object.values(controller.manager.retained()).every((v) => v === 0));
      gc();
      const heap = process.memoryUsage().heapUsed - base;
      if (cycle === 1) first = heap;
      const held = Object.entries(controller.manager.retained()).map(([k, v]) => `${k} ${String(v)}`).join(', ');
      console.log(`${String(cycle).padStart(5)}  ${mib(heap).padStart(13)}  ${((heap - first) / 2 ** 20 >= 0 ? '+' : '') + ((heap - first) / 2 ** 20).toFixed(1).padStart(6)} MiB  ${mib(process.memoryUsage().rss).padStart(7)}  ${held}`);
    }
    await controller.stop();
  } finally {
    await cp.stop();
  }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
