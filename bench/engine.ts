// Engine throughput: decide() on snapshots of 10, 100 and 1,000 pods, CPU utilization with
// behavior and a full stabilization history. Prints decisions per second, time per decision and
// the cost per pod relative to the 10-pod case (a flat ratio means linear scaling).
import { decide } from '../src/engine/decide.ts';
import type { Snapshot } from '../src/engine/snapshot.ts';
import { autoscaler, cpuUtilization, NOW, pod, podMetrics, scale, snapshot } from '../test/support/builders.ts';

function build(pods: number): Snapshot {
  const names = Array.from({ length: pods }, (_, i) => `web-${i}`);
  return snapshot({
    autoscaler: autoscaler({ maxReplicas: 5000, metrics: [cpuUtilization(60)], behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } }, {
      recommendations: Array.from({ length: 20 }, (_, i) => ({ replicas: pods + (i % 3), time: new Date(NOW - i * 15_000).toISOString() })),
    }),
    scale: scale(pods),
    pods: names.map((n, i) => pod(n, { cpu: '500m', phase: i % 50 === 49 ? 'Pending' : 'Running' })),
    podMetrics: names.filter((_, i) => i % 40 !== 39).map((n, i) => podMetrics(n, { cpu: `${300 + (i % 7) * 25}m` })),
  });
}

export interface EngineResult { pods: number; decisionsPerSecond: number; microsPerDecision: number }

export function benchEngine(sizes = [10, 100, 1000], minMs = 1500): EngineResult[] {
  return sizes.map((pods) => {
    const s = build(pods);
    for (let i = 0; i < 50; i++) decide(s); // warm up the JIT
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      for (let i = 0; i < 20; i++) decide(s);
      n += 20;
      elapsed = performance.now() - start;
    }
    return { pods, decisionsPerSecond: (n / elapsed) * 1000, microsPerDecision: (elapsed * 1000) / n };
  });
}

export function printEngine(results: EngineResult[]): void {
  const base = results[0];
  console.log('engine: decide() on one HorizontalAutoscaler (cpu utilization, behavior, 20-entry history)');
  console.log('  pods   decisions/s   µs/decision   µs per pod   per-pod cost vs 10 pods');
  for (const r of results) {
    const perPod = r.microsPerDecision / r.pods;
    const ratio = base ? perPod / (base.microsPerDecision / base.pods) : 1;
    console.log(`  ${String(r.pods).padStart(4)}   ${r.decisionsPerSecond.toFixed(0).padStart(11)}   ${r.microsPerDecision.toFixed(1).padStart(11)}   ${perPod.toFixed(2).padStart(10)}   ${ratio.toFixed(2).padStart(10)}×`);
  }
  const big = results.find((r) => r.pods === 1000);
  if (big) console.log(`  one core decides ${(big.decisionsPerSecond * 15).toFixed(0)} 1,000-pod autoscalers per 15 s sync period`);
}
