// `kscale version`, `--help` and `completion` load no command implementation: the command table
// (src/cli/main.ts) holds help texts only and imports a command's module when it runs. Checked by
// what is loaded, not by time: a child Node records every module it resolves (module.registerHooks),
// and the Kubernetes client, the controller and the other dependencies must not be among them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleRecorder } from '../support/module-recorder.ts';
import { after, describe, test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kscale-lazy-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

const record = moduleRecorder(tmp);

/** Runs a bin shim with arguments; returns its exit code, stdout and the modules it loaded. */
function loaded(bin: string, args: string[]): { status: number | null; stdout: string; modules: string[] } {
  return record([join(repo, 'bin', bin), ...args]);
}

/** Modules no light command may load: any dependency, the Kubernetes client code, the controller. */
const heavy = (modules: string[]): string[] => modules.filter((u) => /\/node_modules\/|\/src\/main\.ts$|\/src\/(controller|kube\/(?!leader-jitter|slim-client-node)|controlplane|engine\/decide)/.test(u));

describe('lazy command loading', () => {
  test('the recorder sees a heavy command load @kubernetes/client-node (the check below can fail)', () => {
    const r = loaded('kscale', ['run', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--sync-period/);
    assert.ok(r.modules.some((u) => u.includes('/node_modules/@kubernetes/client-node/')), r.modules.join('\n'));
    assert.ok(r.modules.some((u) => u.endsWith('/src/cli/run.ts')));
  });

  for (const [bin, args] of [['kscale', ['version']], ['kscale', ['--version', '-o', 'json']], ['kscale', ['--help']], ['kscale', ['completion', 'bash']],
    ['kubectl-kscale', ['version']], ['kubectl-kscale', ['--help']], ['kubectl_complete-kscale', ['why', '--k']]] as const) {
    test(`${bin} ${args.join(' ')} loads no dependency and no command implementation but its own`, () => {
      const r = loaded(bin, [...args]);
      assert.equal(r.status, 0);
      assert.ok(r.stdout.length > 0);
      assert.ok(r.modules.some((u) => u.endsWith('/src/cli/main.ts')), 'the recorder saw the entry point');
      assert.deepEqual(heavy(r.modules), []);
      const commandModules = r.modules.filter((u) => /\/src\/cli\/(run|why|decide|decide-live|demo|simulate|snapshot|lint|convert|dev)\.ts$/.test(u));
      assert.deepEqual(commandModules, []);
    });
  }

  test('a command still runs its implementation (loaded on demand)', () => {
    const r = loaded('kscale', ['convert', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: kscale convert/);
    assert.ok(r.modules.some((u) => u.endsWith('/src/cli/convert.ts')));
  });
});
