// `kscale completion bash|zsh|fish`: generated from the command table and each command's help text.
// bash is checked for syntax and completes for real when sourced (COMP_WORDS simulation); zsh and
// fish are checked for content always, and run for real where those shells are installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { completionScript, flagsOf } from '../../src/cli/completion.ts';
import { commands, completionEntries, main } from '../../src/cli/main.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kscale-completion-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

async function script(shell: string): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['completion', shell], { out: (t) => { out += t; }, err: (t) => { err += t; }, readStdin: () => Promise.resolve('') });
  assert.equal(code, 0, err);
  return out;
}

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/** Runs the bash completion function for a command line (the word under the cursor last). */
function bashComplete(file: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _kscale; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('flags from help text', () => {
  test('the Usage line and the flag column of each flag line, not flags named in descriptions', () => {
    const usage = `Usage: kscale thing -f FILE [--output json|text]

Does a thing.
  -f, --filename FILE   a file; see also --not-a-flag-here
      --trace FILE      the load
      --prometheus URL --query NAME=PROMQL [--query ...] --start TIME
  Durations are seconds ("90s"); use -x for nothing.`;
    assert.deepEqual(flagsOf(usage), ['-f', '--output', '--filename', '--trace', '--prometheus', '--query', '--start', '-h', '--help']);
  });

  test('every command has help text with its flags (the completion source)', () => {
    for (const [name, c] of Object.entries(commands)) {
      assert.ok(c.usage.length > 0, name);
      assert.ok(flagsOf(c.usage).includes('--help'), name);
    }
    assert.ok(flagsOf(commands.why?.usage).includes('--kubeconfig'));
    assert.ok(flagsOf(commands.run?.usage).includes('--sync-period'));
    assert.ok(flagsOf(commands.simulate?.usage).includes('--per-pod'));
  });
});

describe('bash', () => {
  test('syntactically valid, and completes commands, flags, fixed words and file names when sourced', async () => {
    const file = join(tmp, 'kscale.bash');
    writeFileSync(file, await script('bash'));
    const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    assert.deepEqual(bashComplete(file, ['kscale', '']), Object.keys(commands));
    assert.deepEqual(bashComplete(file, ['kscale', 'de']), ['decide', 'demo', 'dev']);
    assert.deepEqual(bashComplete(file, ['kscale', 'w']), ['why']);
    assert.deepEqual(bashComplete(file, ['kscale', '--v']), ['--version']);
    assert.deepEqual(bashComplete(file, ['kscale', 'why', '--k']), ['--kubeconfig']);
    assert.deepEqual(bashComplete(file, ['kscale', 'why', '-n', 'demo', '--o']), ['--output']);
    assert.deepEqual(bashComplete(file, ['kscale', 'simulate', '--tr']), ['--trace']);
    assert.deepEqual(bashComplete(file, ['kscale', 'run', '--sync']), ['--sync-period']);
    assert.deepEqual(bashComplete(file, ['kscale', 'completion', '']), ['bash', 'zsh', 'fish']);
    // After a flag that takes a file nothing is proposed: `complete -o default` falls back to file names.
    assert.deepEqual(bashComplete(file, ['kscale', 'decide', '-f', '']), []);
    const registered = spawnSync('bash', ['-c', `source '${file}'; complete -p kscale`], { encoding: 'utf8' });
    assert.equal(registered.stdout.trim(), 'complete -o default -F _kscale kscale');
  });
});

describe('zsh', () => {
  test('names every command with its summary and every flag of each', async () => {
    const text = await script('zsh');
    assert.match(text, /^#compdef kscale\n/);
    for (const e of completionEntries()) {
      assert.ok(text.includes(`'${e.name}:`), e.name);
      assert.ok(text.includes(`    '${e.name}') flags=(${flagsOf(e.usage).join(' ')});`), e.name);
    }
    assert.match(text, /compdef _kscale kscale/);
  });

  // Not a skip where zsh is missing (the suite reports no skips); the diagnostic says it did not run.
  test('valid zsh that completes commands, flags and fixed words (where zsh is installed)', async (t) => {
    if (!has('zsh')) { t.diagnostic('zsh is not installed: only the contents were checked'); return; }
    const file = join(tmp, '_kscale');
    writeFileSync(file, await script('zsh'));
    const syntax = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    // compadd, _describe and _files are stubbed to print what the function offers.
    const r = spawnSync('zsh', ['-c', `compdef() { :; }
source '${file}'
compadd() { print -r -- "compadd $*"; print -r -- "\${(P)\${@[-1]}}"; }
_describe() { local arr=$4; print -r -- "describe \${(P)arr}"; }
_files() { print -r -- files; }
words=(kscale de); CURRENT=2; _kscale
words=(kscale why --c); CURRENT=3; _kscale
words=(kscale completion ""); CURRENT=3; _kscale
words=(kscale decide -f ""); CURRENT=4; _kscale`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^describe run:run the controller .* why:explain /);
    assert.deepEqual(lines.slice(1, 6), ['compadd -a flags', '-o --output --kubeconfig --context --server -n --namespace -h --help', 'compadd -a choices', 'bash zsh fish', 'files']);
  });
});

describe('fish', () => {
  test('a subcommand completion per command and a flag completion per flag', async () => {
    const text = await script('fish');
    for (const e of completionEntries()) {
      assert.ok(text.includes(`complete -c kscale -n __fish_use_subcommand -f -a '${e.name}' -d `), e.name);
      for (const f of flagsOf(e.usage)) {
        assert.ok(text.includes(`complete -c kscale -n '__fish_seen_subcommand_from ${e.name}' ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}\n`), `${e.name} ${f}`);
      }
    }
    assert.ok(text.includes("complete -c kscale -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'"));
  });

  test('valid fish that completes commands and flags (where fish is installed)', async (t) => {
    if (!has('fish')) { t.diagnostic('fish is not installed: only the contents were checked'); return; }
    const file = join(tmp, 'kscale.fish');
    writeFileSync(file, await script('fish'));
    const syntax = spawnSync('fish', ['-n', file], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    const complete = (line: string): string[] => {
      const r = spawnSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0] ?? '');
    };
    assert.deepEqual(complete('kscale de'), ['decide', 'demo', 'dev']);
    assert.deepEqual(complete('kscale why --con'), ['--context']);
    assert.deepEqual(complete('kscale completion ').sort(), ['bash', 'fish', 'zsh']);
  });
});

describe('kscale completion', () => {
  test('a missing or unknown shell exits 2 naming the shells', async () => {
    for (const args of [['completion'], ['completion', 'tcsh'], ['completion', 'bash', 'zsh']]) {
      let err = '';
      const code = await main(args, { out: () => undefined, err: (t) => { err += t; }, readStdin: () => Promise.resolve('') });
      assert.equal(code, 2, args.join(' '));
      assert.match(err, /^kscale completion: expected one shell: bash, zsh, fish; got /);
    }
  });

  test('the scripts follow the command table: a new command appears in all three', () => {
    const entries = [...completionEntries(), { name: 'lint', summary: 'check: things', usage: 'Usage: kscale lint -f FILE\n  --strict  fail on warnings' }];
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const text = completionScript(shell, entries);
      assert.ok(text.includes('lint'), shell);
      assert.ok(text.includes('strict'), shell);
    }
    assert.ok(completionScript('zsh', entries).includes(String.raw`'lint:check\: things'`));
  });
});
