// Flags and KSCALE_* variables → Config: defaults equal upstream's, flags win over the environment,
// and every bad value is refused with a message naming the flag (kscale run exits 2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { ConfigError, parseConfig } from '../../src/config.ts';

describe('parseConfig', () => {
  test('defaults equal kube-controller-manager HPA defaults', () => {
    const c = parseConfig([], {});
    assert.deepEqual(c.defaults, { tolerance: 0.1, cpuInitializationPeriodSeconds: 300, initialReadinessDelaySeconds: 30, downscaleStabilizationSeconds: 300, syncPeriodSeconds: 15 });
    assert.equal(c.leaderElect, true);
    assert.deepEqual(c.namespaces, []);
    assert.equal(c.kubeconfig, undefined, 'KUBECONFIG is left to the connection code');
  });
  test('flags win over the environment', () => {
    const c = parseConfig(['--tolerance=0.2', '--namespace=a, b', '--kubeconfig=/k'], { KSCALE_TOLERANCE: '0.3', KSCALE_SYNC_PERIOD: '30s', KUBECONFIG: '/env' });
    assert.equal(c.defaults.tolerance, 0.2);
    assert.equal(c.defaults.syncPeriodSeconds, 30);
    assert.deepEqual(c.namespaces, ['a', 'b']);
    assert.equal(c.kubeconfig, '/k');
  });
  const bad: [string[], RegExp][] = [
    [['--sync-period=soon'], /--sync-period: "soon" is not a duration/],
    [['--sync-period=100ms'], /--sync-period: must be at least 1s/],
    [['--tolerance=-1'], /--tolerance: must be a number >= 0/],
    [['--workers=0'], /--workers: must be an integer from 1 to 100/],
    [['--leader-elect=maybe'], /--leader-elect: must be true or false/],
    [['--label-selector=a in (b'], /--label-selector: /],
    [['--http-address=8080'], /--http-address: expected host:port/],
    [['--renew-deadline=20s'], /--renew-deadline must be shorter than --lease-duration/],
    [['--bogus=1'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of bad) {
    test(`refuses ${args.join(' ')}`, () => { assert.throws(() => parseConfig(args, {}), (e: unknown) => e instanceof ConfigError && message.test(e.message)); });
  }
  test('kscale run exits 2 on a bad flag, before touching any cluster', async () => {
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    assert.equal(await main(['run', '--workers=many'], io), 2);
    assert.match(io.stderr, /kscale run: --workers: must be an integer from 1 to 100, got "many"/);
  });
});
