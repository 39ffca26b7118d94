// How the commands that read one live HorizontalAutoscaler (`kscale why`, `kscale decide NS/NAME`,
// and the kubectl plugin) find the cluster and the object, the way kubectl does: --kubeconfig or
// KUBECONFIG or ~/.kube/config (or in-cluster), --context, and the namespace from -n, else NS/NAME,
// else the context's namespace, else "default".
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, NoClusterError } from '../kube/config.ts';
import { UsageError } from './io.ts';

/** parseArgs options shared by those commands. */
export const connectionOptions = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  server: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
} as const;

export interface ConnectionValues { kubeconfig?: string; context?: string; server?: string; namespace?: string }

/** The kubeconfig to use; a missing or broken configuration is a usage error (exit 2). */
export function connect(v: ConnectionValues): KubeConfig {
  try {
    return loadKubeConfig({
      ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}),
      ...(v.context ? { context: v.context } : {}),
      ...(v.server ? { server: v.server } : {}),
    }).kc;
  } catch (e) {
    // Every failure here is about the configuration the user gave (or did not give): no cluster, a
    // missing or unreadable kubeconfig, an unknown context. Their messages name the culprit; the
    // first line is enough (client-node's own parse errors can run to many).
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(e instanceof NoClusterError ? message : message.split('\n')[0] ?? message);
  }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

export interface Target { namespace: string; name: string }

/** NS/NAME, or NAME in -n's namespace (else the context's, else "default"). */
export function resolveTarget(positionals: readonly string[], namespaceFlag: string | undefined, contextNamespace: () => string | undefined): Target {
  const [arg, ...extra] = positionals;
  if (arg === undefined || extra.length > 0) throw new UsageError(`expected one NAMESPACE/NAME or NAME (with -n NAMESPACE), got ${JSON.stringify(positionals.join(' '))}`);
  const slash = arg.indexOf('/');
  const namespace = slash >= 0 ? arg.slice(0, slash) : (namespaceFlag ?? contextNamespace() ?? 'default');
  const name = slash >= 0 ? arg.slice(slash + 1) : arg;
  if (slash >= 0 && namespaceFlag !== undefined && namespaceFlag !== namespace) {
    throw new UsageError(`${arg} names namespace ${namespace} but -n says ${namespaceFlag}`);
  }
  if (!NAMESPACE.test(namespace)) throw new UsageError(`${JSON.stringify(namespace)} is not a valid namespace`);
  if (!NAME.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a valid HorizontalAutoscaler name`);
  return { namespace, name };
}

/** The namespace the kubeconfig's current context names, if any. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
}
