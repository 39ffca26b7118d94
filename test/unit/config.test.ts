// Flags and KSCALE_* variables → Config: defaults equal upstream's, flags win over the environment,
// and every bad value is refused with a message naming the flag (kscale run exits 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    [['--sync-period=100ms'], /--sync-period: must be from 1s to 1h, got 100ms/],
    [['--tolerance=-1'], /--tolerance: must be a decimal number from 0 to 1000/],
    [['--workers=0'], /--workers: must be an integer from 1 to 100/],
    [['--leader-elect=maybe'], /--leader-elect: must be true or false/],
    [['--label-selector=a in (b'], /--label-selector: /],
    [['--http-address=8080'], /--http-address: expected host:port/],
    [['--renew-deadline=20s'], /--renew-deadline \(20s\) must be shorter than --lease-duration \(15s\)/],
    [['--bogus=1'], /Unknown option '--bogus'/],
    // Issue 10 defect 3: the elector's own rule (renewDeadline > 1.2 × retryPeriod) at parse time.
    [['--lease-duration=4s', '--renew-deadline=2s', '--retry-period=1900ms'], /--renew-deadline \(2s\) must be more than 1.2 × --retry-period \(1900ms\): lower --retry-period to under 1666ms/],
    // Defect 4: durations a Node timer cannot hold (setTimeout overflows into a hot loop).
    [['--resync=9999999h'], /--resync: must be from 1s to 24h, got 9999999h/],
    [['--sync-period=9999999h'], /--sync-period: must be from 1s to 1h, got 9999999h/],
    [['--api-timeout=30d'], /--api-timeout: "30d" is not a duration/],
    [['--api-timeout=11m'], /--api-timeout: must be from 100ms to 10m/],
    [['--metrics-tick=25000h'], /--metrics-tick: must be from 0s to 10m/],
    [['--lease-duration=2h'], /--lease-duration: must be from 1s to 1h/],
    [['--downscale-stabilization=9999999h'], /--downscale-stabilization: must be from 0s to 24h/],
    // Defect 5: numbers that Number() would misread, empty values, bad addresses and names.
    [['--tolerance=0x10'], /--tolerance: must be a decimal number from 0 to 1000 \(e.g. 0.1\), got "0x10"/],
    [['--tolerance=1e1'], /--tolerance: must be a decimal number/],
    [['--tolerance= 0.1'], /--tolerance: must be a decimal number/],
    [['--tolerance='], /--tolerance: empty value; omit the flag to use the default \(0.1\)/],
    [['--workers=0x5'], /--workers: must be an integer from 1 to 100, got "0x5"/],
    [['--workers=5.0'], /--workers: must be an integer/],
    [['--namespace='], /--namespace: empty value/],
    [['--http-address=:99999'], /--http-address: expected host:port with a port from 0 to 65535/],
    [['--http-address=[::1]:70000'], /--http-address: expected host:port/],
    [['--metrics-bind-address=localhost'], /--metrics-bind-address: expected host:port/],
    [['--leader-election-id=bad/name'], /--leader-election-id: "bad\/name" is not a valid Lease name/],
    [['--leader-election-id=Upper'], /--leader-election-id: "Upper" is not a valid Lease name/],
    [['--leader-election-namespace=a.b'], /--leader-election-namespace: "a.b" is not a namespace name/],
    [['--namespace=ok,Not_OK'], /--namespace: "Not_OK" is not a namespace name/],
    [['--sharding=sometimes'], /--sharding: must be true or false/],
    [['--sharding=true', '--leader-elect=false'], /--sharding: needs Leases, so it cannot be combined with --leader-elect=false/],
    [['--sharding=true', `--leader-election-id=${'a'.repeat(64)}`], /--leader-election-id: at most 63 characters with --sharding/],
  ];
  test('--sharding: off by default (single-leader election), on with the flag or KSCALE_SHARDING', () => {
    assert.equal(parseConfig([], {}).sharding, false);
    assert.equal(parseConfig(['--sharding=true'], {}).sharding, true);
    assert.equal(parseConfig([], { KSCALE_SHARDING: 'true' }).sharding, true);
    assert.equal(parseConfig(['--sharding=false'], { KSCALE_SHARDING: 'true' }).sharding, false);
  });
  for (const [args, message] of bad) {
    test(`refuses ${args.join(' ')}`, () => { assert.throws(() => parseConfig(args, {}), (e: unknown) => e instanceof ConfigError && message.test(e.message)); });
  }
  test('good values of the bounded and checked flags are taken', () => {
    const c = parseConfig(['--tolerance=0.05', '--resync=24h', '--sync-period=1h', '--http-address=:8081', '--metrics-bind-address=127.0.0.1:8443',
      '--leader-election-id=kscale.example-1', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=2s', '--namespace=a-1,b'], {});
    assert.equal(c.defaults.tolerance, 0.05);
    assert.equal(c.resyncMs, 86_400_000);
    assert.equal(c.defaults.syncPeriodSeconds, 3600);
    assert.equal(c.httpAddress, ':8081');
    assert.equal(c.metricsAddress, '127.0.0.1:8443');
    assert.equal(c.leaderElectionId, 'kscale.example-1');
    assert.deepEqual(c.namespaces, ['a-1', 'b']);
    assert.equal(parseConfig(['--metrics-bind-address=0'], {}).metricsAddress, 'off');
    assert.equal(parseConfig([], {}).metricsAddress, undefined, 'metrics share the probes\' address by default');
    assert.equal(parseConfig(['--http-address=[::1]:0'], {}).httpAddress, '[::1]:0');
  });
  test('every flag with a default accepts that default', () => {
    assert.doesNotThrow(() => parseConfig([], {}));
  });
  test('kscale run exits 2 on a bad flag, before touching any cluster', async () => {
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    assert.equal(await main(['run', '--workers=many'], io), 2);
    assert.match(io.stderr, /kscale run: --workers: must be an integer from 1 to 100, got "many"/);
  });
  // Defect 5: a --kubeconfig that cannot be used exits 2 with one line naming the flag; never a stack
  // trace, and never an embedded cluster started instead (--embedded=auto).
  for (const [what, make, message] of [
    ['/dev/null', () => '/dev/null', /--kubeconfig \/dev\/null is not a kubeconfig \(expected a document/],
    ['a directory', () => mkdtempSync(join(tmpdir(), 'kc-')), /--kubeconfig \S+ is a directory/],
    ['garbage YAML', () => { const f = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config'); writeFileSync(f, 'clusters: [: ::\n\t- x'); return f; }, /--kubeconfig \S+ is not a kubeconfig \(/],
    ['a missing file', () => '/nonexistent/kubeconfig', /--kubeconfig \/nonexistent\/kubeconfig does not exist/],
  ] as const) {
    test(`kscale run --kubeconfig=<${what}> exits 2 naming the flag`, async () => {
      const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
      assert.equal(await main(['run', `--kubeconfig=${make()}`, '--embedded=auto'], io), 2);
      assert.match(io.stderr, message);
      assert.equal(io.stderr.trim().split('\n').length, 1, `one line: ${io.stderr}`);
      assert.doesNotMatch(io.stderr, /embedded|\n\s+at /);
    });
  }
  test('the elector\'s rule: kscale run exits 2 on --lease-duration=4s --renew-deadline=2s --retry-period=1900ms (defect 3)', async () => {
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    assert.equal(await main(['run', '--lease-duration=4s', '--renew-deadline=2s', '--retry-period=1900ms'], io), 2);
    assert.match(io.stderr, /^kscale run: --renew-deadline \(2s\) must be more than 1.2 × --retry-period/);
  });
  // Defect 5: an address that cannot be listened on exits 2 naming the flag. A child process: kscale
  // run ends the process itself once it has failed, so it cannot run inside the test runner.
  const runKscale = (args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(fileURLToPath(new URL('../../scripts/node.sh', import.meta.url)), [fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)), 'run', '--server=http://127.0.0.1:1', '--leader-elect=false', ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
  };
  test('a port in use: exit 2 naming --http-address', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const r = runKscale([`--http-address=127.0.0.1:${String((busy.address() as AddressInfo).port)}`]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^kscale run: --http-address: cannot listen on 127\.0\.0\.1:\d+: the port is in use\n$/);
    } finally { busy.close(); }
  });
  test('an unresolvable host: exit 2 naming --metrics-bind-address', () => {
    const r = runKscale(['--http-address=127.0.0.1:0', '--metrics-bind-address=no-such-host.invalid:0']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^kscale run: --metrics-bind-address: cannot listen on no-such-host\.invalid:0: the host name does not resolve\n$/);
  });
});
