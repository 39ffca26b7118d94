// Where the Kubernetes API is and how to authenticate, the three ways users run controllers:
// in-cluster (service-account token and CA), a kubeconfig (KUBECONFIG, --kubeconfig, --context),
// or an explicit server such as `kubectl proxy` (--server http://127.0.0.1:8001).
import { existsSync } from 'node:fs';
import { KubeConfig } from './client-node.ts';

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  server?: string;
  env?: NodeJS.ProcessEnv;
  /** Root under which the service-account files are looked up (tests use a temporary directory). */
  serviceAccountRoot?: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class NoClusterError extends Error {}

/** A kubeconfig that was named but cannot be used: a mistake to report, never a reason to start an embedded cluster. */
export class BadKubeconfigError extends Error {}

/** Reads a kubeconfig file, turning every failure (a directory, unreadable, not YAML, no clusters) into one line naming where it came from. */
function loadFile(kc: KubeConfig, file: string, from: string): void {
  try {
    kc.loadFromFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'is not readable' : `is not a kubeconfig (${firstLine(err.message)})`;
    throw new BadKubeconfigError(`${from} ${file} ${why}`);
  }
}

const firstLine = (text: string): string => text.split('\n')[0]?.trim() ?? '';

/** How the configuration was found, for the startup log line. */
export type ConnectionSource = 'server' | 'kubeconfig' | 'in-cluster';

export function loadKubeConfig(o: ConnectionOptions = {}): { kc: KubeConfig; source: ConnectionSource } {
  const env = o.env ?? process.env;
  const kc = new KubeConfig();
  if (o.server) {
    let url: URL;
    try { url = new URL(o.server); } catch { throw new NoClusterError(`--server ${JSON.stringify(o.server)} is not a URL (e.g. http://127.0.0.1:8001 for kubectl proxy)`); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NoClusterError(`--server must be an http:// or https:// URL, got ${o.server}`);
    // client-node refuses http: unless TLS verification is "skipped"; there is no TLS to verify.
    kc.loadFromClusterAndUser({ name: 'explicit', server: o.server.replace(/\/+$/, ''), skipTLSVerify: url.protocol === 'http:' }, { name: 'explicit' });
    return { kc, source: 'server' };
  }
  const file = o.kubeconfig ?? env.KUBECONFIG;
  const from = o.kubeconfig !== undefined ? '--kubeconfig' : env.KUBECONFIG ? 'KUBECONFIG' : 'kubeconfig';
  if (file) {
    const files = file.split(':').filter(Boolean);
    const missing = files.filter((f) => !existsSync(f));
    if (o.kubeconfig !== undefined && missing.length > 0) throw new BadKubeconfigError(`--kubeconfig ${missing.join(', ')} does not exist`);
    if (missing.length === files.length) throw new NoClusterError(`kubeconfig ${missing.join(', ')} does not exist`);
    // kubectl's rule with several files: the first file's current-context wins.
    if (files.length === 1) loadFile(kc, files[0] ?? '', from);
    else {
      try { kc.loadFromDefault({}, true); } catch (e) { throw new BadKubeconfigError(`${from} ${file}: ${firstLine((e as Error).message)}`); }
    }
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${o.serviceAccountRoot ?? ''}${SERVICE_ACCOUNT_DIR}/token`)) {
    kc.loadFromCluster(o.serviceAccountRoot);
    return { kc, source: 'in-cluster' };
  } else if (env.HOME && existsSync(`${env.HOME}/.kube/config`)) {
    loadFile(kc, `${env.HOME}/.kube/config`, 'kubeconfig');
  } else {
    throw new NoClusterError('no cluster configured: not running in a cluster, no KUBECONFIG, no ~/.kube/config and no --server');
  }
  if (o.context) {
    if (!kc.getContexts().some((c) => c.name === o.context)) {
      throw new BadKubeconfigError(`--context ${JSON.stringify(o.context)} not found in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) throw new BadKubeconfigError(`${from} ${file ?? `${env.HOME ?? '~'}/.kube/config`} has no current context with a cluster (kubectl config use-context NAME, or --context)`);
  return { kc, source: 'kubeconfig' };
}

/** The namespace the process runs in (for its Lease): in-cluster file, else the context's, else default. */
export function ownNamespace(kc: KubeConfig, env: NodeJS.ProcessEnv = process.env): string {
  return env.POD_NAMESPACE ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}
