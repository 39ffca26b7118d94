// tools/progress.sh, which the control-plane and helm builds source: a long step prints its phase and
// elapsed time on every tick, a `go build` says whether go downloads modules or compiles (and fails
// loudly), and a build waiting on another one's lock says so and shows the other one's step.
// `go` is a stand-in script here; the interval is 1 s instead of 10 s.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PROGRESS = fileURLToPath(new URL('../../tools/progress.sh', import.meta.url));
const run = promisify(execFile);

describe('build progress (tools/progress.sh)', () => {
  let dir: string;
  const bash = async (script: string): Promise<{ stderr: string; code: number }> => {
    const env = { ...process.env, PATH: `${dir}/bin:${process.env.PATH ?? ''}`, KSCALE_PROGRESS_SECONDS: '1' };
    try {
      const { stderr } = await run('bash', ['-euo', 'pipefail', '-c', `log() { echo "test: $*" >&2; }; . ${PROGRESS}; ${script}`], { env, cwd: dir });
      return { stderr, code: 0 };
    } catch (e) {
      const err = e as { stderr: string; code: number };
      return { stderr: err.stderr, code: err.code };
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kscale-progress-'));
    await run('mkdir', ['-p', join(dir, 'bin')]);
    // A fake go: "downloads" for 2.5 s, then "compiles" three packages 1 s apart; fails at once when asked to.
    await writeFile(join(dir, 'bin', 'go'), [
      '#!/usr/bin/env bash',
      'pause=${FAIL:+0}; for m in a b c; do echo "go: downloading example.com/$m v1.0.0" >&2; done; sleep "${pause:-2.5}"',
      'for p in example.com/a example.com/b/c example.com/cmd/x; do echo "$p" >&2; sleep "${pause:-1}"; done',
      'if [ -n "${FAIL:-}" ]; then echo "x.go:1:1: undefined: y" >&2; exit 1; fi',
    ].join('\n'));
    await chmod(join(dir, 'bin', 'go'), 0o755);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('with_progress: the phase and the elapsed time on every tick, and the command\'s exit code', async () => {
    const ok = await bash('with_progress "step one" sleep 3.5');
    assert.equal(ok.code, 0);
    // Every tick, one line (a busy machine may stretch a tick: at least two of the three).
    const ticks = ok.stderr.match(/^test: step one: 0:0[1-4] elapsed$/gm) ?? [];
    assert.ok(ticks.length >= 2, ok.stderr);
    assert.equal((await bash('with_progress "step two" false')).code, 1);
  });

  test('go_build_progress: downloading modules, then compiling with a count and the latest package', async () => {
    const { stderr, code } = await bash('go_build_progress "thing (1 of 1)" . -o out ./cmd');
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^test: thing \(1 of 1\): 0:0\d elapsed, downloading modules: 3 so far, latest example\.com\/c v1\.0\.0$/m);
    assert.match(stderr, /^test: thing \(1 of 1\): 0:0\d elapsed, compiling: [123] packages so far, latest example\.com\/\S+$/m);
    assert.doesNotMatch(stderr, /^example\.com/m, 'go\'s package list stays out of the terminal');
  });

  test('go_build_progress: a failed build shows all of go\'s output', async () => {
    const { stderr, code } = await bash('FAIL=1 go_build_progress thing . ./cmd');
    assert.notEqual(code, 0);
    assert.match(stderr, /thing: go build failed \(exit 1\)/);
    assert.match(stderr, /x\.go:1:1: undefined: y/);
    assert.match(stderr, /^example\.com\/cmd\/x$/m);
  });

  test('wait_for_build_lock: says another build holds the lock, then shows that build\'s step until it is released', async () => {
    const lock = join(dir, 'cache', '.build.lock');
    await run('mkdir', ['-p', join(dir, 'cache')]);
    await writeFile(`${lock}.status`, 'kube-apiserver (1 of 4), compiling: 812 packages so far, latest k8s.io/apiserver/pkg/server');
    const holder = spawn('flock', [lock, 'sleep', '3.5'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const { stderr, code } = await bash(`wait_for_build_lock ${lock}; log "got it"`);
    holder.kill();
    assert.equal(code, 0, stderr);
    assert.match(stderr, /another build holds .*\.build\.lock; waiting for it/);
    assert.match(stderr, /still waiting for the other build: 0:0\d elapsed; it is at: kube-apiserver \(1 of 4\), compiling: 812 packages/);
    assert.match(stderr, /got it$/m);
  });
});
