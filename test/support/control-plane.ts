// Shared gate for integration suites that need the embedded control plane. Without the cached
// binaries a suite is skipped with the reason, except when KSCALE_REQUIRE_CONTROL_PLANE=1 (CI):
// then it runs, and its start fails loudly, because a skipped suite in CI would hide a broken build.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  controlPlaneBinaries, startControlPlane, type ControlPlane, type ControlPlaneOptions,
} from '../../src/controlplane/index.ts';

export function controlPlaneRequired(): boolean {
  return process.env.KSCALE_REQUIRE_CONTROL_PLANE === '1';
}

/** Options for describe(): `{ skip: reason }` when the binaries are absent and not required, else `{}`. */
export function controlPlaneSuiteOptions(): { skip?: string } {
  const bins = controlPlaneBinaries();
  if (bins.ok || controlPlaneRequired()) return {};
  return { skip: `${bins.reason}; set KSCALE_REQUIRE_CONTROL_PLANE=1 to make this a failure` };
}

/** startControlPlane, with a clearer message when the binaries are missing but required. */
export async function startSuiteControlPlane(opts?: ControlPlaneOptions): Promise<ControlPlane> {
  const bins = controlPlaneBinaries();
  if (!bins.ok) throw new Error(`KSCALE_REQUIRE_CONTROL_PLANE=1 but ${bins.reason}`);
  return startControlPlane(opts);
}

/** A fresh namespace per test: nothing ever deletes namespaces (no namespace controller runs). */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}
