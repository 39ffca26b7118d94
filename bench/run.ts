// `npm run bench`: prints figures (and ratios against a baseline); never asserts on time.
//   --quick           shorter runs
//   --engine-only     skip the controller benchmark (it starts the embedded control plane)
//   --vs-hpa          only the side-by-side run against kube-controller-manager's HPA (bench/vs-hpa.ts):
//                     --objects N [--namespaces K] [--duration S] [--pods-per-object P] [--step-pairs M]
//                     [--upstream-qps Q] [--kwok] [--json]; with --replicas R: R sharded kscale replicas
//                     alone, per-replica objects, evaluation spacing and lag (bench/vs-hpa-shards.ts);
//                     --kwok: pods on kwok nodes (the control plane's kwok mode), CPU through the real
//                     metrics-server instead of the fake metrics API (bench/vs-hpa-kwok.ts)
//   --soak            only the churn soak (bench/soak.ts): heap after GC per create/delete cycle
//                     [--cycles C] [--objects N] [--annotation-kib K]
import { benchController } from './controller.ts';
import { benchEngine, printEngine } from './engine.ts';
import { benchSoak, parseSoakArgs } from './soak.ts';
import { benchVsHpa, parseVsHpaArgs } from './vs-hpa.ts';

if (process.argv.includes('--soak')) {
  await benchSoak(parseSoakArgs(process.argv.slice(2).filter((a) => a !== '--soak')));
} else if (process.argv.includes('--vs-hpa')) {
  await benchVsHpa(parseVsHpaArgs(process.argv.slice(2)));
} else {
  const quick = process.argv.includes('--quick');
  printEngine(benchEngine([10, 100, 1000], quick ? 200 : 1500));
  if (!process.argv.includes('--engine-only')) {
    console.log('');
    await benchController(quick ? 30 : 100, 2, quick ? 10 : 30);
  }
}
