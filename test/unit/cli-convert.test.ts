// `kscale convert`: an HPA manifest becomes a HorizontalAutoscaler with the same spec.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.ts';

function io(stdin: string): { out: (t: string) => void; err: (t: string) => void; readStdin: () => Promise<string>; stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (t: string) => { o.stdout += t; }, err: (t: string) => { o.stderr += t; }, readStdin: () => Promise.resolve(stdin) };
  return o;
}

const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
  uid: 1234
  resourceVersion: "99"
  annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}", team: checkout}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 120, policies: [{type: Percent, value: 50, periodSeconds: 60}]}
status: {currentReplicas: 3, desiredReplicas: 3}
`;

describe('kscale convert', () => {
  test('autoscaling/v2: same spec, new apiVersion and kind, server fields dropped', async () => {
    const o = io(hpa);
    assert.equal(await main(['convert', '-f', '-'], o), 0, o.stderr);
    const out = parse(o.stdout) as Record<string, unknown>;
    const original = parse(hpa) as Record<string, unknown>;
    assert.equal(out.apiVersion, 'kscale.dev/v1alpha1');
    assert.equal(out.kind, 'HorizontalAutoscaler');
    assert.deepEqual(out.spec, original.spec);
    assert.deepEqual(out.metadata, { name: 'web', namespace: 'shop', annotations: { team: 'checkout' } });
    assert.equal(out.status, undefined);
  });
  test('autoscaling/v1 targetCPUUtilizationPercentage becomes a cpu Utilization metric', async () => {
    const o = io('apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}, maxReplicas: 5, targetCPUUtilizationPercentage: 70}\n');
    assert.equal(await main(['convert', '-f', '-', '-o', 'json'], o), 0, o.stderr);
    const out = JSON.parse(o.stdout) as { spec: Record<string, unknown> };
    assert.deepEqual(out.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    assert.equal(out.spec.targetCPUUtilizationPercentage, undefined);
  });
  test('several documents and Lists', async () => {
    const o = io(`${hpa}---\napiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify(parse(hpa))}\n`);
    assert.equal(await main(['convert', '-f', '-'], o), 0, o.stderr);
    assert.equal(o.stdout.split('---').length, 2);
  });
  test('other kinds and invalid specs exit 2 with the reason', async () => {
    const other = io('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
    assert.equal(await main(['convert', '-f', '-'], other), 2);
    assert.match(other.stderr, /document 1: expected an autoscaling\/v2 or autoscaling\/v1 HorizontalPodAutoscaler, got apps\/v1 Deployment/);
    const bad = io('apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\nspec: {scaleTargetRef: {kind: Deployment, name: x}, maxReplicas: 0}\n');
    assert.equal(await main(['convert', '-f', '-'], bad), 2);
    assert.match(bad.stderr, /spec\.maxReplicas: must be greater than or equal to 1/);
  });
});
