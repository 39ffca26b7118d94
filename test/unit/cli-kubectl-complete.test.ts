// kubectl_complete-kscale: kubectl's completion of `kubectl kscale ...` (cobra's __complete protocol:
// a candidate a line, optionally "word<TAB>description", then ":<directive>"). Checked on the shim
// itself, on the shared completeArgs, and through the real kubectl where the cached binary exists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { completeArgs, DIRECTIVE, flagsOf } from '../../src/cli/completion.ts';
import { pluginCommands } from '../../src/cli/kubectl-plugin.ts';
import { commands, completionEntries } from '../../src/cli/main.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const shim = join(repo, 'bin/kubectl_complete-kscale');
const pluginNames = Object.keys(pluginCommands());

/** Runs the shim as kubectl does (argv: the words after "kscale", the current one last). */
function complete(args: string[]): { lines: string[]; directive: string } {
  const r = spawnSync(process.execPath, [shim, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.endsWith('\n'), 'ends with a newline');
  const lines = r.stdout.slice(0, -1).split('\n');
  return { lines: lines.slice(0, -1), directive: lines.at(-1) ?? '' };
}

describe('kubectl_complete-kscale', () => {
  test('a new word: the plugin\'s commands with their summaries, no file names', () => {
    const r = complete(['']);
    assert.deepEqual(r.lines, pluginNames.map((n) => `${n}\t${pluginCommands()[n]?.summary ?? ''}`));
    assert.deepEqual(pluginNames, ['why', 'decide', 'simulate', 'lint', 'version']);
    assert.equal(r.directive, `:${String(DIRECTIVE.noFileComp)}`);
  });

  test('a prefix: only the commands it starts; kscale-only commands are not offered', () => {
    assert.deepEqual(complete(['w']).lines, [`why\t${pluginCommands().why?.summary ?? ''}`]);
    assert.deepEqual(complete(['de']).lines.map((l) => l.split('\t')[0]), ['decide']);
    assert.deepEqual(complete(['ru']).lines, []);
    assert.deepEqual(complete(['--v']).lines, ['--version']);
  });

  test('flags of the command from its help text, after other words too', () => {
    assert.deepEqual(complete(['why', '--k']), { lines: ['--kubeconfig'], directive: ':4' });
    assert.deepEqual(complete(['why', 'demo/worker', '-n', 'demo', '--o']).lines, ['--output']);
    assert.deepEqual(complete(['simulate', '--per']).lines, ['--per-pod']);
    assert.deepEqual(complete(['lint', '-']).lines, flagsOf(pluginCommands().lint?.usage));
  });

  test('a value or a positional argument: nothing, and the shell may offer file names (directive 0)', () => {
    assert.deepEqual(complete(['lint', '-f', '']), { lines: [], directive: ':0' });
    assert.deepEqual(complete(['nosuch', '']), { lines: [], directive: ':4' });
  });

  test('completeArgs is the same logic kscale\'s table gives: fixed words fill the first argument only', () => {
    const entries = completionEntries(commands);
    assert.deepEqual(completeArgs(entries, ['completion', 'z']), { candidates: ['zsh'], directive: DIRECTIVE.noFileComp });
    assert.deepEqual(completeArgs(entries, ['completion', 'bash', '']), { candidates: [], directive: DIRECTIVE.default });
    assert.deepEqual(completeArgs(entries, ['dev', '']), { candidates: ['metrics'], directive: DIRECTIVE.noFileComp });
    assert.deepEqual(completeArgs(entries, ['run', '--sync']).candidates, ['--sync-period']);
    assert.deepEqual(completeArgs(entries, []).candidates.map((c) => c.split('\t')[0]), Object.keys(commands));
  });

  // Not a skip where the cached kubectl is missing (the suite reports no skips): the diagnostic says so.
  test('the real kubectl completes `kubectl kscale` through the shim (where the cached kubectl exists)', (t) => {
    const kubectl = join(process.env.KSCALE_CACHE_DIR ?? join(homedir(), '.cache/kscale'), 'k8s/v1.36.3/bin/kubectl');
    if (!existsSync(kubectl)) { t.diagnostic(`${kubectl} is missing: only the shim was checked`); return; }
    // bin/ holds kubectl-kscale (the plugin kubectl lists) and kubectl_complete-kscale; node for their #! line.
    const env = { ...process.env, PATH: [join(repo, 'bin'), dirname(process.execPath), process.env.PATH].join(delimiter), KUBECONFIG: join(repo, 'no-such-kubeconfig') };
    const run = (...args: string[]): string[] => {
      const r = spawnSync(kubectl, ['__complete', ...args], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(run('kscale', 'w'), [`why\t${pluginCommands().why?.summary ?? ''}`, ':4']);
    assert.deepEqual(run('kscale', 'why', '--con'), ['--context', ':4']);
    assert.deepEqual(run('kscale', 'lint', '-f', ''), [':0']);
  });
});
