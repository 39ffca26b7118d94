// Binaries of the kwok mode (see kwok.ts): kube-scheduler, cached with the control plane by
// tools/control-plane/build.sh, and kwok + metrics-server, cached by tools/metrics-pipeline/build.sh,
// together with the two kwok CRDs the harness installs. Never inside the repo.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binDir, kscaleCacheDir } from './paths.ts';

export const KWOK_VERSION = 'v0.8.0';
export const METRICS_SERVER_VERSION = 'v0.8.0';

export type PipelineBinary = 'kube-scheduler' | 'kwok' | 'metrics-server';

export function pipelineBinaryPath(name: PipelineBinary): string {
  return name === 'kube-scheduler' ? join(binDir(), name) : join(kscaleCacheDir(), 'metrics-pipeline', 'bin', name);
}

/** Same directory as build.sh's --print-crd-dir. */
export function kwokCrdFiles(): string[] {
  const dir = join(kscaleCacheDir(), 'metrics-pipeline', `kwok-${KWOK_VERSION}-crds`);
  return ['kwok.x-k8s.io_resourceusages.yaml', 'kwok.x-k8s.io_clusterresourceusages.yaml'].map((f) => join(dir, f));
}

/** A cheap file check, like controlPlaneBinaries(): the build scripts verify versions. */
export function metricsPipelineBinaries(): { ok: true } | { ok: false; reason: string } {
  const missing: string[] = [];
  for (const file of [...(['kube-scheduler', 'kwok', 'metrics-server'] as const).map(pipelineBinaryPath), ...kwokCrdFiles()]) {
    try {
      accessSync(file, file.endsWith('.yaml') ? constants.R_OK : constants.X_OK);
    } catch {
      missing.push(file);
    }
  }
  if (missing.length === 0) return { ok: true };
  return {
    ok: false,
    reason: `the kwok mode's binaries are missing: ${missing.join(', ')} (build them with \`npm run controlplane:build && npm run metrics-pipeline:build\`, which need Go >= 1.26)`,
  };
}

const SCRIPTS = ['../../tools/control-plane/build.sh', '../../tools/metrics-pipeline/build.sh']
  .map((p) => fileURLToPath(new URL(p, import.meta.url)));

/** Builds what is missing (the scripts return at once when their cache is current), progress on stderr. */
export async function ensureMetricsPipelineBinaries(): Promise<void> {
  if (metricsPipelineBinaries().ok) return;
  for (const script of SCRIPTS) {
    if (!existsSync(script)) {
      const r = metricsPipelineBinaries();
      throw new Error(r.ok ? `missing ${script}` : r.reason);
    }
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', [script], { stdio: ['ignore', process.stderr, process.stderr] });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`building the kwok mode's binaries failed (${script} exited ${String(code)})`);
  }
}
