// Where the Kubernetes API is and how to authenticate, the three ways users run controllers:
// in-cluster (service-account token and CA), a kubeconfig (KUBECONFIG, --kubeconfig, --context),
// or an explicit server such as `kubectl proxy` (--server http://127.0.0.1:8001).
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

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
  if (file) {
    const files = file.split(':').filter(Boolean);
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length === files.length) throw new NoClusterError(`kubeconfig ${missing.join(', ')} does not exist`);
    // kubectl's rule with several files: the first file's current-context wins.
    if (files.length === 1) kc.loadFromFile(files[0] ?? '');
    else kc.loadFromDefault({}, true);
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync(`${o.serviceAccountRoot ?? ''}${SERVICE_ACCOUNT_DIR}/token`)) {
    kc.loadFromCluster(o.serviceAccountRoot);
    return { kc, source: 'in-cluster' };
  } else if (env.HOME && existsSync(`${env.HOME}/.kube/config`)) {
    kc.loadFromFile(`${env.HOME}/.kube/config`);
  } else {
    throw new NoClusterError('no cluster configured: not running in a cluster, no KUBECONFIG, no ~/.kube/config and no --server');
  }
  if (o.context) {
    if (!kc.getContexts().some((c) => c.name === o.context)) {
      throw new NoClusterError(`context ${JSON.stringify(o.context)} not found in kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) throw new NoClusterError('the kubeconfig has no current context or cluster');
  return { kc, source: 'kubeconfig' };
}

/** The namespace the process runs in (for its Lease): in-cluster file, else the context's, else default. */
export function ownNamespace(kc: KubeConfig, env: NodeJS.ProcessEnv = process.env): string {
  return env.POD_NAMESPACE ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}
