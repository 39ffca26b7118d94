// The embedded control plane's binaries are built from Go modules on first use: `npm start` and
// `npm run demo` on a fresh machine build them (minutes, once) instead of failing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { controlPlaneBinaries } from './paths.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('../../tools/control-plane/build.sh', import.meta.url));

/** Builds the binaries when missing, showing the build's progress on stderr; throws with the reason. */
export async function ensureControlPlaneBinaries(): Promise<void> {
  if (controlPlaneBinaries().ok) return;
  if (!existsSync(BUILD_SCRIPT)) {
    const bins = controlPlaneBinaries();
    throw new Error(`the embedded control plane is not available: ${bins.ok ? '' : bins.reason}`);
  }
  process.stderr.write('kscale: building the embedded control plane from Go modules (first time only, a few minutes)...\n');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`building the embedded control plane failed (${BUILD_SCRIPT} exited ${String(code)})`);
}
