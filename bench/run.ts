// `npm run bench`: prints figures (and ratios against a baseline); never asserts on time.
//   --quick           shorter runs
//   --engine-only     skip the controller benchmark (it starts the embedded control plane)
import { benchController } from './controller.ts';
import { benchEngine, printEngine } from './engine.ts';

const quick = process.argv.includes('--quick');
printEngine(benchEngine([10, 100, 1000], quick ? 200 : 1500));
if (!process.argv.includes('--engine-only')) {
  console.log('');
  await benchController(quick ? 30 : 100, 2, quick ? 10 : 30);
}
