// The install artifacts rendered offline and made comparable: `kubectl kustomize` of deploy/ (the
// kubectl of the control-plane build) and `helm template` of deploy/chart/kscale (the helm of
// tools/helm/build.sh), parsed into objects, and a Helm object stripped of exactly what Helm adds, so
// that a chart render can be compared with a kustomize one object by object.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { binaryPath } from '../../src/controlplane/index.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const repo = (p: string): string => join(ROOT, p);
export const CHART = repo('deploy/chart/kscale');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}
export interface Rule { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }
export interface RoleObject extends K8sObject { rules: Rule[] }
export interface RoleBindingObject extends K8sObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}
export interface Container {
  name: string; image: string; args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext?: Record<string, unknown>; resources?: unknown; livenessProbe?: unknown; readinessProbe?: unknown;
  ports?: { name: string; containerPort: number }[];
}
export interface PodSpec {
  containers: Container[]; securityContext?: Record<string, unknown>; serviceAccountName?: string; automountServiceAccountToken?: boolean;
  nodeSelector?: Record<string, string>; tolerations?: unknown[]; affinity?: unknown; topologySpreadConstraints?: unknown[];
}
export interface DeploymentObject extends K8sObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

export function parseYamlStream(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const o = doc.toJS() as K8sObject | null;
    if (o) out.push(o);
  }
  return out;
}

/** `kubectl kustomize` of a folder of this repo (e.g. deploy/base), parsed. */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run(binaryPath('kubectl'), ['kustomize', repo(dir)], { maxBuffer: 64 << 20 });
  return parseYamlStream(stdout);
}

/** Where tools/helm/build.sh puts (or would put) helm; building it is the caller's choice. */
export function helmPath(): string {
  return execFileSync('bash', [repo('tools/helm/build.sh'), '--print-path'], { encoding: 'utf8' }).trim();
}

/** Why kubectl kustomize or helm template cannot run here (a binary not built yet), or undefined. */
export function renderToolsMissing(): string | undefined {
  const missing = [binaryPath('kubectl'), helmPath()].filter((file) => {
    try { accessSync(file, constants.X_OK); return false; } catch { return true; }
  });
  return missing.length === 0 ? undefined : `not built: ${missing.join(', ')} (npm run controlplane:build; bash tools/helm/build.sh)`;
}

/** A helm binary with a private HELM_*_HOME: nothing is read from or written to the user's helm configuration. */
export class Helm {
  readonly bin: string;
  readonly home: string;
  private constructor(bin: string, home: string) { this.bin = bin; this.home = home; }

  static async open(bin = helmPath()): Promise<Helm> {
    return new Helm(bin, await mkdtemp(join(tmpdir(), 'kscale-helm-')));
  }

  /** helm ARGS; its stdout and stderr, or an error carrying both. No kubeconfig unless one is given. */
  async run(args: string[], kubeconfig = join(this.home, 'none')): Promise<string> {
    const env = { ...process.env, HELM_CONFIG_HOME: join(this.home, 'config'), HELM_CACHE_HOME: join(this.home, 'cache'), HELM_DATA_HOME: join(this.home, 'data'), KUBECONFIG: kubeconfig };
    try {
      const { stdout, stderr } = await run(this.bin, args, { env, maxBuffer: 64 << 20 });
      return stdout + stderr;
    } catch (e) {
      const err = e as Error & { stdout?: string; stderr?: string };
      throw new Error(`helm ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`, { cause: e });
    }
  }

  /** `helm template RELEASE deploy/chart/kscale --namespace NAMESPACE SETS…`, parsed. */
  async template(sets: string[], release: string, namespace: string): Promise<K8sObject[]> {
    return parseYamlStream(await this.run(['template', release, CHART, '--namespace', namespace, ...sets]));
  }

  async close(): Promise<void> { await rm(this.home, { recursive: true, force: true }); }
}

export const keyOf = (o: K8sObject): string => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
export const byKey = (objs: K8sObject[]): Map<string, K8sObject> => new Map(objs.map((o) => [keyOf(o), o]));
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export function find<T extends K8sObject = K8sObject>(objs: K8sObject[], kind: string, name?: string): T {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  assert.ok(o, `no ${kind}${name ? ` ${name}` : ''} among ${objs.map(keyOf).join(', ')}`);
  return o as T;
}

/**
 * What Helm adds that the kustomize manifests do not have, and so the only differences a comparison
 * ignores (each must be present on the Helm side with exactly this value, then is removed):
 * three labels in every object's metadata.labels, and the CRD's keep annotation.
 */
export const HELM_LABELS: Record<string, string> = {
  'helm.sh/chart': 'kscale-0.1.0',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/version': '0.1.0',
};
const HELM_CRD_ANNOTATIONS: Record<string, string> = { 'helm.sh/resource-policy': 'keep' };

/** The Helm object without exactly the fields Helm adds (asserting they were there with the expected values). */
export function withoutHelmAdditions(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  const without = (m: Record<string, string> | undefined, added: Record<string, string>, what: string): Record<string, string> => {
    for (const [k, v] of Object.entries(added)) assert.equal(m?.[k], v, `${keyOf(o)}: ${what} ${k}`);
    return Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !(k in added)));
  };
  if (o.kind === 'CustomResourceDefinition') {
    // Emitted as generated (labels included), plus the keep annotation.
    const annotations = without(copy.metadata.annotations, HELM_CRD_ANNOTATIONS, 'annotation');
    if (Object.keys(annotations).length > 0) copy.metadata.annotations = annotations; else delete copy.metadata.annotations;
  } else {
    copy.metadata.labels = without(copy.metadata.labels, HELM_LABELS, 'label');
  }
  return copy;
}
