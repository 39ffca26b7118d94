// `npm run bench`: prints figures; never asserts on time.
import { benchEngine, printEngine } from './engine.ts';

const quick = process.argv.includes('--quick');
printEngine(benchEngine([10, 100, 1000], quick ? 200 : 1500));
