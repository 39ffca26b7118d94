// The installable CLI: `npm pack` builds (prepack: tsc + dist/build-info.json) and packs a tarball
// that `npm install -g --prefix DIR` installs with its commands, kscale and kubectl-kscale (and
// kubectl's completion helper kubectl_complete-kscale), which then run from dist/ with the commit
// and date of the build; `npm install -g` of the checkout runs from source. Needs the npm registry (the runtime dependencies; the local npm cache is preferred)
// and writes the repo's dist/ (git-ignored). Takes 30-90 s.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };
// npm and the shims' `#!/usr/bin/env node` both find this (new enough) Node first.
const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter), NO_UPDATE_NOTIFIER: '1', npm_config_fund: 'false', npm_config_audit: 'false' };
const run = (cmd: string, args: string[], cwd = repo): SpawnSyncReturns<string> => spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
const ok = (r: SpawnSyncReturns<string>, what: string): string => {
  assert.equal(r.status, 0, `${what}: ${r.stderr || String(r.error)}`);
  return r.stdout;
};
const gitHead = (): string => {
  if (!existsSync(join(repo, '.git'))) return 'unknown';
  try { return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return 'unknown'; }
};

describe('npm pack and npm install -g', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kscale-install-'));
  let tarball = '';
  let packedAt = 0;
  const prefix = join(tmp, 'prefix');
  const bin = (name: string): string => join(prefix, 'bin', name);

  before(() => {
    packedAt = Date.now();
    ok(run('npm', ['pack', '--pack-destination', tmp, '--loglevel=warn']), 'npm pack');
    const file = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    assert.ok(file, 'a tarball');
    tarball = join(tmp, file);
    ok(run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--loglevel=warn', tarball]), 'npm install -g');
  });
  after(() => { rmSync(tmp, { recursive: true, force: true }); });

  test('the tarball holds the shims, the build with its build info, the CRD; no sources or tests', () => {
    const files = ok(run('tar', ['tzf', tarball]), 'tar').split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['bin/kscale', 'bin/kubectl-kscale', 'bin/kubectl_complete-kscale', 'bin/launch.cjs', 'bin/package.json', 'dist/cli/main.js', 'dist/cli/kubectl-plugin.js', 'dist/cli/kubectl-complete.js', 'dist/build-info.json', 'deploy/crd/horizontalautoscalers.kscale.dev.yaml', 'package.json']) {
      assert.ok(files.includes(f), `${f} in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /^(src|test|bench|scripts|examples)\/|\.test\.|^bin\/tsconfig/.test(f)), []);
  });

  test('kscale version from the installed package: the commit and date of the build, without git', () => {
    const v = JSON.parse(ok(run(bin('kscale'), ['version', '-o', 'json'], tmp), 'kscale version')) as { version: string; commit: string; buildDate: string; node: string };
    assert.equal(v.version, pkg.version);
    assert.equal(v.node, process.versions.node);
    assert.equal(v.commit, gitHead());
    const built = Date.parse(v.buildDate);
    assert.ok(built >= Math.floor(packedAt / 1000) * 1000 && built <= Date.now(), v.buildDate);
    const text = ok(run(bin('kscale'), ['--version'], tmp), 'kscale --version');
    assert.equal(text, `kscale ${pkg.version} (node ${process.versions.node}, commit ${v.commit.slice(0, 12)}, built ${v.buildDate})\n`);
    assert.equal(ok(run(bin('kubectl-kscale'), ['version'], tmp), 'kubectl-kscale version'), text);
  });

  test('the installed commands work: decide on an example, completion, the plugin', () => {
    const decision = JSON.parse(ok(run(bin('kscale'), ['decide', '-f', join(repo, 'examples/decide/cpu-scale-up.yaml')], tmp), 'decide')) as { desiredReplicas: number };
    assert.equal(decision.desiredReplicas, 5);
    const script = join(tmp, 'kscale.bash');
    writeFileSync(script, ok(run(bin('kscale'), ['completion', 'bash'], tmp), 'completion'));
    ok(run('bash', ['-n', script]), 'bash -n');
    const lint = run(bin('kubectl-kscale'), ['lint', '-f', join(repo, 'examples/decide/cpu-scale-up.yaml')], tmp);
    assert.equal(lint.status, 2, 'a decide snapshot holds no HorizontalAutoscaler manifest');
    assert.match(lint.stderr, /^kubectl kscale lint: no HorizontalAutoscaler \(kscale\.dev\) found in /);
    const why = run(bin('kubectl-kscale'), ['why', 'demo/worker', '--server', 'http://127.0.0.1:1'], tmp);
    assert.equal(why.status, 1);
    assert.match(why.stderr, /^kubectl kscale why: cannot reach the API server at http:\/\/127\.0\.0\.1:1: .+\n$/);
    // kubectl's completion of the plugin's arguments (cobra's __complete answer).
    assert.equal(ok(run(bin('kubectl_complete-kscale'), ['why', '--k'], tmp), 'kubectl_complete-kscale'), '--kubeconfig\n:4\n');
  });

  test('on an old Node the installed kscale says so in one line', () => {
    const pretend = join(tmp, 'pretend-node-20.cjs');
    writeFileSync(pretend, "Object.defineProperty(process, 'version', { value: 'v20.11.1' });\nObject.defineProperty(process, 'versions', { value: Object.assign({}, process.versions, { node: '20.11.1' }) });\n");
    const r = run(process.execPath, ['-r', pretend, join(prefix, 'lib/node_modules', pkg.name, 'bin/kscale'), 'version'], tmp);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'kscale needs Node.js 22.19 or newer; this is v20.11.1\n');
  });

  test('npm install -g of the checkout links it and runs from source', () => {
    const linked = join(tmp, 'linked');
    ok(run('npm', ['install', '-g', '--prefix', linked, '--loglevel=warn', repo]), 'npm install -g <repo>');
    const v = JSON.parse(ok(run(join(linked, 'bin/kscale'), ['version', '-o', 'json'], tmp), 'linked kscale')) as { commit: string; buildDate: string };
    assert.equal(v.commit, gitHead());
    assert.equal(v.buildDate, 'unknown', 'sources, not a build');
    assert.equal(run(join(linked, 'bin/kubectl-kscale'), ['lint'], tmp).status, 2);
  });
});
