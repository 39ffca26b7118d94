// Kubeconfig files for the embedded control plane: the admin one (client cert in system:masters,
// used by tests, KCM and kubectl) and token ones (for a ServiceAccount, to test RBAC).
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export type KubeconfigUser =
  | { kind: 'cert'; certFile: string; keyFile: string }
  | { kind: 'token'; token: string };

export async function writeKubeconfigFile(file: string, server: string, caFile: string, user: KubeconfigUser,
  name = 'kscale-embedded'): Promise<string> {
  const b64 = async (f: string): Promise<string> => (await readFile(f)).toString('base64');
  const userEntry = user.kind === 'cert'
    ? { 'client-certificate-data': await b64(user.certFile), 'client-key-data': await b64(user.keyFile) }
    : { token: user.token };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': await b64(caFile) } }],
    users: [{ name, user: userEntry }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  await writeFile(file, stringify(doc), { mode: 0o600 });
  return file;
}
