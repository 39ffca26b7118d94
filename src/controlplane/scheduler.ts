// kube-scheduler v1.36.3 (same k8s.io/kubernetes module as the control plane) for the kwok mode:
// it binds the pods that the ReplicaSet and StatefulSet controllers create to kwok's nodes, with the
// default profile (resource fit, spreading, ...). Loopback only; its own port is for /healthz.
import { join } from 'node:path';

export function schedulerArgs(workDir: string, kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    // Without these it only warns, and serves /healthz anonymously thanks to the allow list.
    `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1', `--secure-port=${String(port)}`, `--cert-dir=${join(workDir, 'scheduler-certs')}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--kube-api-qps=200', '--kube-api-burst=400', // thousands of kwok pods in the benchmark
    '--v=1',
  ];
}
