// Where the control plane's binaries live: built by tools/control-plane/build.sh from Go modules
// into a per-user cache keyed by version, never inside the repo.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.36.3';
export const ETCD_VERSION = '3.6.8';

export const BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

/** Same rule as scripts/node.sh and build.sh: KSCALE_CACHE_DIR, else $XDG_CACHE_HOME/kscale, else ~/.cache/kscale. */
export function kscaleCacheDir(): string {
  const explicit = process.env.KSCALE_CACHE_DIR;
  if (explicit) return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'kscale');
}

export function binDir(): string {
  return join(kscaleCacheDir(), 'k8s', KUBERNETES_VERSION, 'bin');
}

export function binaryPath(name: BinaryName): string {
  return join(binDir(), name);
}

/**
 * Are the cached binaries present and executable? A cheap file check only: build.sh is what
 * verifies their --version (running four Go binaries on every test start would cost a second).
 */
export function controlPlaneBinaries(): { ok: true; dir: string } | { ok: false; reason: string } {
  const dir = binDir();
  const missing: string[] = [];
  for (const name of BINARY_NAMES) {
    try {
      accessSync(join(dir, name), constants.X_OK);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length === 0) return { ok: true, dir };
  return {
    ok: false,
    reason: `control-plane binaries missing in ${dir}: ${missing.join(', ')} (build them with \`npm run controlplane:build\`, which needs Go >= 1.26)`,
  };
}
