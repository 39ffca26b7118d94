// kwok (Kubernetes WithOut Kubelet, sigs.k8s.io/kwok v0.8.0) in the kwok mode: it plays the kubelet
// of the fake nodes created here. Nodes: Ready, with InternalIP 127.0.0.1 and kwok's port as their
// kubelet port. Pods bound to them: moved through the stages of kwok-config.ts. Resource metrics:
// served per node on 127.0.0.1 (HTTPS, cert from the control plane's CA), computed from the
// ResourceUsage / ClusterResourceUsage objects kwok watches (installed as CRDs, so usage can change
// while it runs); the default one reads per-pod annotations (kwok-usage.ts).
import { readFile } from 'node:fs/promises';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { makeClient, statusOf } from './clients.ts';
import { KWOK_NODE_ANNOTATION } from './kwok-config.ts';
import { kwokCrdFiles } from './pipeline-paths.ts';
import { pollUntil } from './wait.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** kwok's own per-pod usage annotations, read by the default ClusterResourceUsage below. */
export const USAGE_ANNOTATIONS = { cpu: 'kwok.x-k8s.io/usage-cpu', memory: 'kwok.x-k8s.io/usage-memory' } as const;

export interface KwokFiles { kubeconfig: string; config: string; cert: string; key: string }

export function kwokArgs(f: KwokFiles, port: number): string[] {
  return [
    `--kubeconfig=${f.kubeconfig}`,
    `--config=${f.config}`,
    // Only the nodes created here, never a real node that might share the apiserver.
    '--manage-all-nodes=false', `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
    // The "kubelet" endpoint of every node: one loopback listener (HTTP and HTTPS on one port).
    '--node-ip=127.0.0.1', `--node-port=${String(port)}`, `--server-address=127.0.0.1:${String(port)}`,
    `--tls-cert-file=${f.cert}`, `--tls-private-key-file=${f.key}`,
    '--enable-crds=ResourceUsage,ClusterResourceUsage',
    '--v=INFO',
  ];
}

/** The ClusterResourceUsage below; it matches every pod, so a caller with usage objects of its own deletes it. */
export const DEFAULT_USAGE_NAME = 'kscale-usage-from-annotations';

/** Usage of pods without a ResourceUsage of their own: the annotations, else 1m CPU and 1Mi (kwok's defaults). */
export const DEFAULT_USAGE = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterResourceUsage
metadata: {name: ${DEFAULT_USAGE_NAME}}
spec:
  usages:
  - usage:
      cpu:
        expression: '"${USAGE_ANNOTATIONS.cpu}" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["${USAGE_ANNOTATIONS.cpu}"]) : Quantity("1m")'
      memory:
        expression: '"${USAGE_ANNOTATIONS.memory}" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["${USAGE_ANNOTATIONS.memory}"]) : Quantity("1Mi")'
`;

/** The two kwok CRDs (copied from the module by tools/metrics-pipeline/build.sh), as one YAML text. */
export async function kwokCrdsYaml(): Promise<string> {
  const texts = await Promise.all(kwokCrdFiles().map((f) => readFile(f, 'utf8')));
  return texts.join('\n---\n');
}

export function kwokNodeName(i: number): string {
  return `kwok-node-${String(i)}`;
}

/** Creates the fake nodes (idempotent) and waits until kwok has made them Ready with a kubelet port. */
export async function createKwokNodes(kc: KubeConfig, names: string[], timeoutMs: number): Promise<void> {
  const core = makeClient(kc, CoreV1Api);
  for (const name of names) {
    try {
      await core.createNode({ body: {
        metadata: {
          name,
          annotations: {
            [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value,
            // metrics-server asks this path instead of the kubelet's /metrics/resource.
            'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${name}/metrics/resource`,
          },
          labels: { type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
        },
      } });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    // The apiserver's TaintNodesByCondition admission gives every new node the not-ready NoSchedule
    // taint; in a cluster the node-lifecycle controller lifts it once the kubelet reports Ready. That
    // controller would also taint nodes whose heartbeats stop, so instead of running it (and making
    // kwok send heartbeats), the taint is lifted here: kwok makes the nodes Ready just below.
    await core.patchNode({ name, body: { spec: { taints: [] } } }, mergePatch);
  }
  await pollUntil('kwok to initialise its nodes', async () => {
    const pending: string[] = [];
    for (const name of names) {
      const n = await core.readNode({ name });
      const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!ready || !n.status?.daemonEndpoints?.kubeletEndpoint?.Port) pending.push(name);
    }
    if (pending.length > 0) throw new Error(`not Ready yet: ${pending.join(', ')}`);
    return true;
  }, { timeoutMs, intervalMs: 250 });
}
