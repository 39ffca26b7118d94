// Command lines of the three processes. envtest's defaults plus the aggregation layer, loopback-only
// advertise address and no endpoint reconciler (loopback is not a valid Endpoints address).
import { join } from 'node:path';
import type { Pki } from './pki.ts';

export interface Ports { etcdClient: number; etcdPeer: number; apiserver: number; controllerManager: number }

export function etcdArgs(workDir: string, p: Ports): string[] {
  const client = `http://127.0.0.1:${String(p.etcdClient)}`;
  const peer = `http://127.0.0.1:${String(p.etcdPeer)}`;
  return [
    '--name=kscale', `--data-dir=${join(workDir, 'etcd')}`,
    `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kscale=${peer}`, '--initial-cluster-state=new',
    // Test data is throw-away: skip fsync (the single biggest cost of etcd on a shared disk).
    '--unsafe-no-fsync=true',
    '--auto-compaction-retention=1', '--quota-backend-bytes=2147483648',
    '--logger=zap', '--log-level=warn',
  ];
}

/** Optional apiserver audit log: the policy file and where JSON audit events go. */
export interface AuditFiles { policyFile: string; logPath: string }

export function apiserverArgs(pki: Pki, p: Ports, audit?: AuditFiles): string[] {
  const self = `https://127.0.0.1:${String(p.apiserver)}`;
  return [
    `--etcd-servers=http://127.0.0.1:${String(p.etcdClient)}`,
    '--bind-address=127.0.0.1', `--secure-port=${String(p.apiserver)}`, `--cert-dir=${pki.dir}`,
    `--tls-cert-file=${pki.apiserverCert}`, `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    // No serviceaccount controller runs, so pods must not require a "default" ServiceAccount.
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    '--service-cluster-ip-range=10.0.0.0/24', // virtual: no kube-proxy ever routes it
    `--service-account-issuer=${self}`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    // Without it the apiserver picks the default-route interface (and fails without one).
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    // Aggregation layer: the apiserver proxies to extension servers with this client identity.
    `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
    `--proxy-client-key-file=${pki.frontProxyClientKey}`,
    // Less background work on a 2-core machine.
    '--enable-priority-and-fairness=false', '--profiling=false',
    '--v=1',
    ...(audit ? [`--audit-policy-file=${audit.policyFile}`, `--audit-log-path=${audit.logPath}`, '--audit-log-format=json'] : []),
  ];
}

export const CONTROLLERS = [
  'horizontal-pod-autoscaler-controller', 'deployment-controller', 'replicaset-controller', 'garbage-collector-controller',
];

export function controllerManagerArgs(workDir: string, kubeconfig: string, p: Ports, extra: string[]): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    // Every controller acts as the admin identity of the kubeconfig (system:masters).
    '--use-service-account-credentials=false',
    `--controllers=${CONTROLLERS.join(',')}`,
    '--bind-address=127.0.0.1', `--secure-port=${String(p.controllerManager)}`, `--cert-dir=${join(workDir, 'kcm-certs')}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--kube-api-qps=100', '--kube-api-burst=200',
    '--v=2', // the HPA logs each rescale at v=2
    ...extra, // last, so the caller's flags win over the defaults above
  ];
}
