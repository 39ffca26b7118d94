// The kwok mode's pure parts: the load split over Ready pods, kwok's config file and the
// metrics-server flags (its own start-up validation rejects a request timeout above 90 % of the
// resolution).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { splitLoad } from '../../src/controlplane/kwok-usage.ts';
import { kwokConfigYaml, READINESS_DELAY_ANNOTATION, STARTUP_DELAY_ANNOTATION } from '../../src/controlplane/kwok-config.ts';
import { metricsServerArgs } from '../../src/controlplane/metrics-server.ts';
import type { Pki } from '../../src/controlplane/pki.ts';

describe('splitLoad', () => {
  const cases: { total: Parameters<typeof splitLoad>[0]; pods: number; want: ReturnType<typeof splitLoad> }[] = [
    { total: { cpuMilli: 250 }, pods: 5, want: { cpu: '50m' } },
    { total: { cpuMilli: 250 }, pods: 0, want: { cpu: '250m' } },          // no Ready pod yet: one pod's worth
    { total: { cpuMilli: 250 }, pods: 3, want: { cpu: '83m' } },            // rounded to whole millicores
    { total: { cpuMilli: 1 }, pods: 4, want: { cpu: '1m' } },               // never 0: kwok's floor
    { total: { memoryMi: 150 }, pods: 4, want: { memory: '38Mi' } },
    { total: { cpuMilli: 300, memoryMi: 64 }, pods: 2, want: { cpu: '150m', memory: '32Mi' } },
    { total: {}, pods: 2, want: {} },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.total)} over ${String(c.pods)} pods`, () => { assert.deepEqual(splitLoad(c.total, c.pods), c.want); });
  }
});

describe('kwokConfigYaml', () => {
  const docs = (text: string): Record<string, unknown>[] => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
  test('node and pod stages plus the resource-metrics endpoint, as valid YAML', () => {
    const all = docs(kwokConfigYaml());
    assert.deepEqual(all.map((d) => `${String(d.kind)}/${(d.metadata as { name: string }).name}`), [
      'Stage/kscale-node-initialize', 'Stage/kscale-pod-start', 'Stage/kscale-pod-ready', 'Stage/kscale-pod-delete', 'Metric/kscale-metrics-resource',
    ]);
    const metric = all[4] as { spec: { path: string; metrics: { name: string }[] } };
    assert.equal(metric.spec.path, '/metrics/nodes/{nodeName}/metrics/resource');
    for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'node_cpu_usage_seconds_total', 'node_memory_working_set_bytes']) {
      assert.ok(metric.spec.metrics.some((m) => m.name === name), `the kubelet's ${name}`);
    }
  });
  test('the delays are set per stage and can be overridden per pod', () => {
    const all = docs(kwokConfigYaml({ startupDelayMs: 2500, readinessDelayMs: 7000 }));
    const delay = (i: number): { durationMilliseconds: number; durationFrom: { expressionFrom: string } } =>
      (all[i] as { spec: { delay: { durationMilliseconds: number; durationFrom: { expressionFrom: string } } } }).spec.delay;
    assert.equal(delay(1).durationMilliseconds, 2500);
    assert.equal(delay(2).durationMilliseconds, 7000);
    assert.match(delay(1).durationFrom.expressionFrom, new RegExp(STARTUP_DELAY_ANNOTATION.replace(/\./g, '\\.')));
    assert.match(delay(2).durationFrom.expressionFrom, new RegExp(READINESS_DELAY_ANNOTATION.replace(/\./g, '\\.')));
  });
});

describe('metricsServerArgs', () => {
  const pki = { caCert: '/pki/ca.crt' } as Pki;
  const files = { kubeconfig: '/k', cert: '/c', key: '/k.key' };
  const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  for (const resolution of [10, 15, 60]) {
    test(`resolution ${String(resolution)} s: request timeout below 90 % of it, loopback only, kwok's cert verified`, () => {
      const args = metricsServerArgs(pki, files, 4443, resolution);
      assert.equal(flag(args, 'metric-resolution'), `${String(resolution)}s`);
      assert.ok(Number.parseInt(flag(args, 'kubelet-request-timeout') ?? '', 10) < resolution * 0.9);
      assert.equal(flag(args, 'bind-address'), '127.0.0.1');
      assert.equal(flag(args, 'kubelet-certificate-authority'), '/pki/ca.crt');
      assert.ok(!args.includes('--kubelet-insecure-tls'));
    });
  }
});
