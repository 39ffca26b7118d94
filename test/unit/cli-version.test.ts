// `kscale version` / `--version` (commit and build date from the build-info file, else git, else
// "unknown"), scripts/build-info.ts, and the bin shims: ES2015 CommonJS that any Node can parse, one
// line and exit 1 on a Node older than 22.19, the real command on a new one.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { parse } from 'acorn';
import { main } from '../../src/cli/main.ts';
import { buildInfo, versionText, type BuildInfo } from '../../src/cli/version.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; engines: { node: string } };
const tmp = mkdtempSync(join(tmpdir(), 'kscale-version-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; }, readStdin: () => Promise.resolve('') });
  return { code, stdout, stderr };
}

const gitHead = (dir: string): string | undefined => {
  if (!existsSync(join(dir, '.git'))) return undefined;
  try { return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return undefined; }
};

describe('kscale version', () => {
  test('one line: version, node, commit, build date; --version is the same', async () => {
    const a = await run(['version']);
    assert.equal(a.code, 0, a.stderr);
    // The prefix is what older scripts (and the image test) match.
    assert.match(a.stdout, new RegExp(`^kscale ${pkg.version.replaceAll('.', '\\.')} \\(node ${process.versions.node.replaceAll('.', '\\.')}, commit ([0-9a-f]{12}|unknown), built \\S+\\)\\n$`));
    const b = await run(['--version']);
    assert.deepEqual(b, a);
  });

  test('-o json: one object with version, commit, buildDate, node; from a source checkout the commit is git HEAD', async () => {
    const r = await run(['version', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
    const v = JSON.parse(r.stdout) as BuildInfo;
    assert.deepEqual(Object.keys(v), ['version', 'commit', 'buildDate', 'node']);
    assert.equal(v.version, pkg.version);
    assert.equal(v.node, process.versions.node);
    assert.equal(v.commit, gitHead(repo) ?? 'unknown');
    assert.deepEqual((await run(['--version', '-o', 'json'])).stdout, r.stdout);
  });

  test('a bad --output exits 2 with the reason', async () => {
    const r = await run(['version', '-o', 'yaml']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'kscale version: --output must be text or json, got "yaml"\n');
  });

  test('commit and date: the build-info file first, else git in the package\'s own checkout, else unknown', () => {
    const file = join(tmp, 'build-info.json');
    writeFileSync(file, JSON.stringify({ commit: 'a'.repeat(40), buildDate: '2026-02-03T04:05:06Z' }));
    const fromFile = buildInfo({ buildInfoFile: file, root: repo, version: '9.9.9', node: '24.0.0' });
    assert.deepEqual(fromFile, { version: '9.9.9', commit: 'a'.repeat(40), buildDate: '2026-02-03T04:05:06Z', node: '24.0.0' });
    assert.equal(versionText(fromFile), `kscale 9.9.9 (node 24.0.0, commit ${'a'.repeat(12)}, built 2026-02-03T04:05:06Z)`);

    const plain = join(tmp, 'not-a-checkout');
    mkdirSync(plain);
    assert.deepEqual(buildInfo({ buildInfoFile: join(tmp, 'none.json'), root: plain }), { version: pkg.version, commit: 'unknown', buildDate: 'unknown', node: process.versions.node });
    assert.equal(versionText(buildInfo({ buildInfoFile: join(tmp, 'none.json'), root: plain })).endsWith('commit unknown, built unknown)'), true);

    // A git checkout of its own: HEAD is the commit, the build date stays unknown (nothing was built).
    const checkout = join(tmp, 'checkout');
    mkdirSync(checkout);
    const git = (...args: string[]): string => execFileSync('git', ['-C', checkout, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'x');
    assert.deepEqual(buildInfo({ buildInfoFile: join(tmp, 'none.json'), root: checkout }).commit, git('rev-parse', 'HEAD'));
    // A build-info file wins over git, even one that knows no commit (an installed copy inside another repository).
    writeFileSync(file, JSON.stringify({ buildDate: '2026-02-03T04:05:06Z' }));
    assert.equal(buildInfo({ buildInfoFile: file, root: checkout }).commit, 'unknown');
  });

  test('scripts/build-info.ts writes the commit and the (reproducible) build date that version then reports', () => {
    const out = join(tmp, 'dist', 'build-info.json');
    execFileSync(process.execPath, [join(repo, 'scripts/build-info.ts'), out], {
      env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600', KSCALE_BUILD_COMMIT: 'b'.repeat(40) }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { commit: 'b'.repeat(40), buildDate: '2026-01-01T00:00:00Z' });
    assert.equal(buildInfo({ buildInfoFile: out }).commit, 'b'.repeat(40));
    execFileSync(process.execPath, [join(repo, 'scripts/build-info.ts'), out], { env: { ...process.env, KSCALE_BUILD_COMMIT: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as { commit: string; buildDate: string };
    assert.equal(fresh.commit, gitHead(repo) ?? 'unknown');
    assert.ok(Math.abs(Date.parse(fresh.buildDate) - Date.now()) < 60_000, fresh.buildDate);
  });
});

describe('bin shims', () => {
  const shims = Object.entries(pkg.bin);
  const launch = join(repo, 'bin/launch.cjs');

  test('package.json bin: kscale, kubectl-kscale and kubectl_complete-kscale, each a shim in bin/ that CommonJS loads', () => {
    assert.deepEqual(Object.keys(pkg.bin).sort(), ['kscale', 'kubectl-kscale', 'kubectl_complete-kscale']);
    for (const [, file] of shims) assert.match(file, /^bin\/[\w-]+$/);
    assert.equal((JSON.parse(readFileSync(join(repo, 'bin/package.json'), 'utf8')) as { type: string }).type, 'commonjs');
    assert.equal(pkg.engines.node, '>=22.19', 'the shim checks the same floor');
    assert.match(readFileSync(launch, 'utf8'), /var MINIMUM = \[22, 19\];/);
  });

  test('the shims are ES2015 scripts: any Node parses them and reaches the version check', () => {
    for (const file of [...shims.map(([, f]) => join(repo, f)), launch]) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotThrow(() => parse(text, { ecmaVersion: 2015, sourceType: 'script', allowHashBang: true }), file);
    }
  });

  // Makes a new Node report an old version before the shim runs: the check itself is what is tested.
  const pretendOld = join(tmp, 'pretend-node-20.cjs');
  writeFileSync(pretendOld, "Object.defineProperty(process, 'version', { value: 'v20.11.1' });\nObject.defineProperty(process, 'versions', { value: Object.assign({}, process.versions, { node: '20.11.1' }) });\n");

  // The machine's own Node too, when it really is older (the case the message exists for).
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    if (!existsSync(p)) return false;
    const [major = 0, minor = 0] = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim().split('.').map(Number);
    return major < 22 || (major === 22 && minor < 19);
  });

  for (const [name, file] of shims) {
    test(`${name} on a Node older than 22.19: one line, exit 1${oldNode ? ` (also on ${oldNode})` : ''}`, () => {
      const r = spawnSync(process.execPath, ['-r', pretendOld, join(repo, file), 'version'], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.equal(r.stderr, 'kscale needs Node.js 22.19 or newer; this is v20.11.1\n');
      assert.equal(r.stdout, '');
      if (oldNode === undefined) return;
      const real = spawnSync(oldNode, [join(repo, file), 'version'], { encoding: 'utf8' });
      assert.equal(real.status, 1);
      assert.match(real.stderr, /^kscale needs Node\.js 22\.19 or newer; this is v\d+\.\d+\.\d+\n$/);
      assert.equal(real.stdout, '');
    });
  }

  test('on this Node: kscale runs the command, kubectl-kscale the plugin', async () => {
    const direct = await run(['version']);
    const k = spawnSync(process.execPath, [join(repo, 'bin/kscale'), 'version'], { encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    assert.equal(k.stdout, direct.stdout);
    const p = spawnSync(process.execPath, [join(repo, 'bin/kubectl-kscale'), '--version'], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, direct.stdout);
    const bad = spawnSync(process.execPath, [join(repo, 'bin/kscale'), 'version', '-o', 'xml'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, 'exit codes pass through');
  });
});
