// The embedded demo's pieces that need no control plane: its load curve, its spec, the watch
// instructions and when they are printed again.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import {
  countWatches, DEMO_SPEC, embeddedBanner, queueDepth, remindWatchInstructions, TARGET_PER_POD, watchInstructions,
} from '../../src/cli/embedded-demo.ts';

describe('embedded demo', () => {
  test('the queue rises from 5 to 95 and back over a period', () => {
    assert.equal(queueDepth(0, 60_000), 5);
    assert.equal(queueDepth(30_000, 60_000), 95);
    assert.equal(queueDepth(60_000, 60_000), 5);
  });

  test('its spec is the applied one: an External queue metric at the per-pod target, 1-10 replicas', () => {
    assert.equal(DEMO_SPEC.maxReplicas, 10);
    assert.equal(DEMO_SPEC.metrics?.[0]?.external?.metric.name, 'queue_messages_ready');
    assert.equal(DEMO_SPEC.metrics?.[0]?.external?.target.averageValue, String(TARGET_PER_POD));
  });

  test('the banner says where, what, how to watch, and how to see it again', () => {
    const text = embeddedBanner('https://127.0.0.1:6443', '/dev/shm/kscale-cp-x/admin.kubeconfig', '/cache/bin', 4242);
    assert.match(text, /ready at https:\/\/127\.0\.0\.1:6443/);
    assert.match(text, /export KUBECONFIG=\/dev\/shm\/kscale-cp-x\/admin\.kubeconfig PATH=\/cache\/bin:\$PATH/);
    assert.match(text, /kubectl get hza -n demo -w -o wide/);
    assert.match(text, /kubectl events -n demo -w/);
    assert.match(text, /kill -USR1 4242/);
    assert.deepEqual(watchInstructions('k', 'b').length, 4);
  });

  test('counts kubectl watches on autoscalers and Events from the API server\'s gauge', () => {
    const metrics = [
      '# TYPE apiserver_longrunning_requests gauge',
      'apiserver_longrunning_requests{component="apiserver",group="kscale.dev",resource="horizontalautoscalers",scope="cluster",subresource="",verb="WATCH",version="v1alpha1"} 1',
      'apiserver_longrunning_requests{component="apiserver",group="kscale.dev",resource="horizontalautoscalers",scope="namespace",subresource="",verb="WATCH",version="v1alpha1"} 1',
      'apiserver_longrunning_requests{component="apiserver",group="",resource="events",scope="namespace",subresource="",verb="WATCH",version="v1"} 2',
      'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"} 3',
      'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="log",verb="CONNECT",version="v1"} 1',
    ].join('\n');
    assert.equal(countWatches(metrics), 4);
    assert.equal(countWatches(''), 0);
  });

  test('printed again on Enter and on SIGUSR1, not after stop()', async () => {
    let printed = 0;
    const input = new PassThrough();
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const reminder = remindWatchInstructions(() => { printed++; }, kc, { input, everyMs: 3_600_000 });
    input.write('\n');
    await new Promise((r) => setImmediate(r));
    assert.equal(printed, 1);
    process.kill(process.pid, 'SIGUSR1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(printed, 2);
    reminder.stop();
    assert.equal(process.listenerCount('SIGUSR1'), 0);
    input.resume();
    input.write('\n');
    await new Promise((r) => setImmediate(r));
    assert.equal(printed, 2);
  });
});
