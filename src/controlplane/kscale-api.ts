// What an embedded cluster gets before kscale runs on it: the HorizontalAutoscaler CRD and the
// admission policy that takes unquoted decimals in its quantity fields (deploy/admission; the
// embedded control plane is Kubernetes 1.36, which serves MutatingAdmissionPolicy).
import { readFile } from 'node:fs/promises';

const MANIFESTS = [
  new URL('../../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url),
  new URL('../../deploy/admission/number-quantities.yaml', import.meta.url),
];

export async function installKscaleApi(cluster: { applyYaml(yamlText: string): Promise<void> }): Promise<void> {
  for (const file of MANIFESTS) await cluster.applyYaml(await readFile(file, 'utf8'));
}
