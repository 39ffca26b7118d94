// The controller loads @kubernetes/client-node without its generated API (src/kube/slim-client-node.ts):
// checked by what a child Node resolves while `kscale run --help` loads the whole controller, and by
// the two client-node imports the hooks redirect still being what they were written against.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleRecorder } from '../support/module-recorder.ts';
import { after, describe, test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(repo, 'node_modules/@kubernetes/client-node/dist');
const tmp = mkdtempSync(join(tmpdir(), 'kscale-slim-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

const record = moduleRecorder(tmp);

function modulesOf(args: string[]): string[] {
  const r = record(args, repo);
  assert.equal(r.status, 0, r.stderr);
  return r.modules;
}

const clientNode = (modules: string[]): string[] => modules.filter((u) => u.includes('/@kubernetes/client-node/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6));
const generatedApi = (modules: string[]): string[] => clientNode(modules).filter((m) => /^(index\.js|serializer\.js|gen\/(index\.js|apis\/|models\/|types\/))/.test(m));

describe('slim @kubernetes/client-node', () => {
  test('without the hooks, the controller\'s client-node imports load the generated API (the check below can fail)', () => {
    const script = join(tmp, 'full.mjs');
    writeFileSync(script, `await import(${JSON.stringify(join(repo, 'src/kube/client-node.ts'))});\n`);
    const full = modulesOf([script]);
    assert.ok(generatedApi(full).some((m) => m.startsWith('gen/apis/')), clientNode(full).join('\n'));
    assert.ok(generatedApi(full).includes('serializer.js'));
  });

  test('kscale run loads the controller without the generated API groups and models', () => {
    const modules = modulesOf([join(repo, 'bin/kscale'), 'run', '--help']);
    assert.ok(modules.some((u) => u.endsWith('/src/controller/manager.ts')), 'the controller was loaded');
    assert.ok(clientNode(modules).includes('config.js') && clientNode(modules).includes('informer.js'));
    assert.deepEqual(generatedApi(modules), []);
    assert.ok(modules.some((u) => u.endsWith('/src/kube/client-node-gen.ts')));
    assert.ok(modules.some((u) => u.endsWith('/src/kube/client-node-serializer.ts')));
  });

  test('the slim KubeConfig still resolves credentials (a token) for a request', () => {
    const script = join(tmp, 'auth.mjs');
    writeFileSync(script, `import { registerSlimClientNode } from ${JSON.stringify(join(repo, 'src/kube/slim-client-node.ts'))};
registerSlimClientNode();
const { KubeConfig, RequestContext, HttpMethod } = await import(${JSON.stringify(join(repo, 'src/kube/client-node.ts'))});
const kc = new KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }], users: [{ name: 'u', token: 'abc' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
await kc.applySecurityAuthentication(ctx);
console.log(JSON.stringify(ctx.getHeaders()));
`);
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Record<string, string>).Authorization, 'Bearer abc');
  });

  test('the redirected imports are still the ones the shims replace', () => {
    const config = readFileSync(join(dist, 'config.js'), 'utf8');
    const fromGen = [...config.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/gen\/index\.js'/g)].map((m) => (m[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).sort());
    assert.deepEqual(fromGen, [['ServerConfiguration', 'createConfiguration']]);
    const cache = readFileSync(join(dist, 'cache.js'), 'utf8');
    const uses = [...cache.matchAll(/ObjectSerializer\.(\w+)\(([^)]*)\)/g)].map((m) => `${m[1] ?? ''}(${(m[2] ?? '').split(',').at(-1)?.trim() ?? ''})`);
    assert.ok(uses.length > 0);
    assert.deepEqual([...new Set(uses)], ["serialize('string')"]);
  });
});
