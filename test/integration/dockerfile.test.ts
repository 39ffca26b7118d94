// The container image, verified without a container engine (there is no Docker here).
//
// The test READS the Dockerfile and replays it: ARG/FROM/WORKDIR/ENV/COPY/RUN/USER/EXPOSE/
// ENTRYPOINT/CMD/LABEL of every stage. Each stage gets its own directory standing for its root
// filesystem; `FROM node:24…` maps to the project's Node 24 (scripts/node.sh --print-bin-dir) first
// on PATH; RUN runs with bash in the stage's WORKDIR, with a clean environment (the stage's ENV,
// absolute paths mapped into the stage directory, HOME=/root of the stage, the npm cache in the
// temporary directory); COPY takes files from the build context (the repository, .dockerignore
// applied) and COPY --from from an earlier stage. The last stage is then "run" the way a
// Kubernetes Pod with runAsUser 65532 and readOnlyRootFilesystem would run it: its tree is copied
// to a world-readable directory with the Node 24 binary as /usr/local/bin/node, made read-only
// (chmod -R a-w, plus a read-only bind mount in a private mount namespace when running as root),
// and the ENTRYPOINT is started as the USER of the Dockerfile (setpriv), in its WORKDIR, with its ENV.
//
// Verified: the build steps succeed from a clean directory (npm ci against the registry, tsc); the
// image holds package.json, dist/, the production dependencies and the CRD and nothing else (no
// sources, no devDependencies, no npm cache); the OCI labels; `version`, `decide` and `run` work as
// the non-root user on a read-only tree and write nothing; `run` serves /metrics and stops on SIGTERM.
// Not verified (needs a container engine): the node:24-bookworm-slim base image's own content and
// npm version (the host's npm runs under Node 24 here), layer caching, image size as pushed, the
// exact behaviour of docker's COPY for cases this Dockerfile does not use (wildcards, --chown), and
// a real readOnlyRootFilesystem/securityContext in a kubelet-run Pod. See docs/container-image.md.
//
// Needs the npm registry (npm ci); takes 20-60 s (two npm ci, one tsc). KSCALE_KEEP_IMAGE_DIR=1 keeps the
// temporary directory for inspection.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, matchesGlob, posix, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FLAGS } from '../../src/config.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };

// ---------------------------------------------------------------------------------------------
// Dockerfile parsing

interface Instruction { cmd: string; flags: Record<string, string>; args: string; line: number }
interface Stage { index: number; name: string; from: string; instructions: Instruction[] }
interface Dockerfile { globalArgs: Instruction[]; stages: Stage[] }

function parseDockerfile(text: string): Dockerfile {
  const logical: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !current)) continue; // comments, also inside continuations
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ` ${part.trim()}`;
    else current = { text: part.trim(), line: i + 1 };
    if (!continued) { logical.push(current); current = undefined; }
  }
  if (current) throw new Error(`line ${current.line}: continuation at end of file`);

  const out: Dockerfile = { globalArgs: [], stages: [] };
  for (const { text: l, line } of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) throw new Error(`line ${line}: cannot parse ${JSON.stringify(l)}`);
    const cmd = m[1]!.toUpperCase();
    let args = m[2]!.trim();
    const flags: Record<string, string> = {};
    if (cmd === 'COPY' || cmd === 'RUN' || cmd === 'FROM' || cmd === 'ADD') {
      for (let f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args); f; f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args)) {
        flags[f[1]!] = f[2] ?? 'true';
        args = args.slice(f[0].length);
      }
    }
    const ins: Instruction = { cmd, flags, args, line };
    if (cmd === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`line ${line}: FROM ${args}`);
      out.stages.push({ index: out.stages.length, name: from[2] ?? String(out.stages.length), from: from[1]!, instructions: [] });
    } else if (out.stages.length === 0) {
      if (cmd !== 'ARG') throw new Error(`line ${line}: ${cmd} before FROM`);
      out.globalArgs.push(ins);
    } else {
      out.stages.at(-1)!.instructions.push(ins);
    }
  }
  return out;
}

/** KEY=VALUE pairs (ENV, LABEL, ARG), double quotes allowed; also the legacy `ENV KEY value`. */
function pairs(args: string): [string, string][] {
  if (!/^[\w.-]+=/.test(args)) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(args);
    return m ? [[m[1]!, m[2]!]] : [[args, '']];
  }
  const out: [string, string][] = [];
  const re = /([\w.-]+)=("((?:[^"\\]|\\.)*)"|\S*)\s*/gy;
  let consumed = 0;
  for (let m = re.exec(args); m; m = re.exec(args)) {
    out.push([m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!]);
    consumed = re.lastIndex;
  }
  if (consumed < args.length) throw new Error(`cannot parse ${JSON.stringify(args.slice(consumed))}`);
  return out;
}

function expand(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_m, a?: string, def?: string, b?: string) => vars.get((a ?? b)!) ?? def ?? '');
}

/** A JSON array (exec form) or a shell command (shell form). */
function execForm(args: string): string[] {
  if (!args.startsWith('[')) return ['/bin/sh', '-c', args];
  const parsed: unknown = JSON.parse(args);
  assert.ok(Array.isArray(parsed) && parsed.every((a) => typeof a === 'string'), `not an exec form: ${args}`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Replaying the build

interface BuiltStage {
  name: string;
  base: string;
  root: string;
  workdir: string;
  env: Map<string, string>;
  args: Map<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  labels: Map<string, string>;
  expose: string[];
  runs: string[];
}

const NODE_BASE = /^node:24([.-]|$)/;
// Environment passed through to RUN: the proxy and CA settings the registry may need here.
const PASS_ENV = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'LANG'];

function hostPath(root: string, containerPath: string): string {
  const p = resolve(root, `.${posix.resolve('/', containerPath)}`);
  assert.ok(p === root || p.startsWith(`${root}/`), `${containerPath} escapes the stage root`);
  return p;
}

/** The stage's ENV for a host process: single absolute paths point into the stage directory. */
function hostEnv(stage: BuiltStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of stage.env) env[k] = /^\/[^:\s]*$/.test(v) ? hostPath(stage.root, v) : v;
  return env;
}

function dockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), glob: posix.normalize(l.replace(/^!/, '').replace(/^\/+/, '')) }));
  return (rel) => {
    let excluded = false;
    const parts = rel.split('/');
    for (const p of patterns) {
      if (parts.some((_, i) => matchesGlob(parts.slice(0, i + 1).join('/'), p.glob))) excluded = !p.negate;
    }
    return excluded;
  };
}

/** Docker COPY: a directory's contents go into the destination; files into a directory destination. */
function copy(src: string, dest: string, destIsDir: boolean, filter: (src: string) => boolean): void {
  assert.ok(existsSync(src), `COPY source ${src} does not exist`);
  if (statSync(src).isDirectory()) {
    mkdirSync(dest, { recursive: true });
    cpSync(src, dest, { recursive: true, filter, verbatimSymlinks: true });
  } else {
    const target = destIsDir || (existsSync(dest) && statSync(dest).isDirectory()) ? join(dest, src.split('/').at(-1)!) : dest;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(src, target, { filter });
  }
}

function run(command: string, argv: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number; input?: string }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolvePromise({ code, signal, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

async function buildImage(df: Dockerfile, work: string, nodeBin: string, buildArgs: Record<string, string> = {}): Promise<BuiltStage[]> {
  const globals = new Map<string, string>();
  for (const a of df.globalArgs) for (const [k, v] of pairs(a.args)) globals.set(k, buildArgs[k] ?? v);
  const ignored = dockerignore(repo);
  const npmDir = dirname(spawnSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
  assert.ok(npmDir && npmDir !== '.', 'npm must be on PATH');
  const built: BuiltStage[] = [];
  for (const s of df.stages) {
    const from = expand(s.from, globals);
    const parent = built.find((b) => b.name === from);
    const root = join(work, 'stages', `${s.index}-${s.name}`);
    mkdirSync(root, { recursive: true });
    const stage: BuiltStage = parent
      ? { ...parent, name: s.name, root, env: new Map(parent.env), args: new Map(), labels: new Map(parent.labels), expose: [...parent.expose], runs: [] }
      : { name: s.name, base: from, root, workdir: '/', env: new Map(), args: new Map(), labels: new Map(), expose: [], runs: [] };
    if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
    else assert.match(from, NODE_BASE, `stage ${s.name}: only node:24 base images can be reproduced here, got ${from}`);
    const vars = (): Map<string, string> => new Map([...stage.args, ...stage.env]);
    for (const ins of s.instructions) {
      const where = `Dockerfile:${ins.line} ${ins.cmd}`;
      switch (ins.cmd) {
        case 'ARG':
          for (const [k, v] of pairs(ins.args)) stage.args.set(k, buildArgs[k] ?? (ins.args.includes('=') ? v : globals.get(k) ?? ''));
          break;
        case 'ENV':
          for (const [k, v] of pairs(ins.args)) stage.env.set(k, expand(v, vars()));
          break;
        case 'LABEL':
          for (const [k, v] of pairs(ins.args)) stage.labels.set(k, expand(v, vars()));
          break;
        case 'WORKDIR':
          stage.workdir = posix.resolve(stage.workdir, expand(ins.args, vars()));
          mkdirSync(hostPath(root, stage.workdir), { recursive: true });
          break;
        case 'USER': stage.user = expand(ins.args, vars()); break;
        case 'EXPOSE': stage.expose.push(...ins.args.split(/\s+/)); break;
        case 'ENTRYPOINT': stage.entrypoint = execForm(ins.args); break;
        case 'CMD': stage.cmd = execForm(ins.args); break;
        case 'COPY': {
          const unsupported = Object.keys(ins.flags).filter((f) => f !== 'from' && f !== 'link');
          assert.deepEqual(unsupported, [], `${where}: flags this replay does not implement`);
          const parts = execForm(ins.args.startsWith('[') ? ins.args : JSON.stringify(ins.args.split(/\s+/))).map((p) => expand(p, vars()));
          const dest = parts.pop()!;
          assert.ok(parts.length > 0, `${where}: no source`);
          const destPath = hostPath(root, posix.resolve(stage.workdir, dest));
          const destIsDir = dest.endsWith('/') || parts.length > 1;
          for (const src of parts) {
            assert.ok(!/[*?[]/.test(src), `${where}: wildcards are not implemented by this replay`);
            if (ins.flags.from) {
              const source = built.find((b) => b.name === ins.flags.from);
              assert.ok(source, `${where}: no stage ${ins.flags.from}`);
              copy(hostPath(source.root, src), destPath, destIsDir, () => true);
            } else {
              const abs = resolve(repo, src);
              assert.ok(abs.startsWith(repo), `${where}: ${src} is outside the build context`);
              assert.ok(!ignored(relative(repo, abs)), `${where}: ${src} is excluded by .dockerignore`);
              copy(abs, destPath, destIsDir, (p) => !ignored(relative(repo, p)));
            }
          }
          break;
        }
        case 'RUN': {
          assert.deepEqual(Object.keys(ins.flags), [], `${where}: RUN flags are not implemented by this replay`);
          assert.ok(stage.user === undefined || stage.user.startsWith('0') || stage.user === 'root', `${where}: RUN after a non-root USER is not implemented by this replay`);
          const command = ins.args.startsWith('[') ? execForm(ins.args).join(' ') : ins.args;
          const defaults: Record<string, string> = {
            PATH: `${nodeBin}:${npmDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
            HOME: hostPath(root, '/root'),
            npm_config_cache: join(work, 'npm-cache'),
            npm_config_update_notifier: 'false',
          };
          for (const k of PASS_ENV) if (process.env[k] !== undefined) defaults[k] = process.env[k];
          // The stage's ENV wins, also over a default spelled in another case (NPM_CONFIG_CACHE).
          // Docker passes the stage's ARG values to RUN as environment variables (ENV wins).
          const own = { ...Object.fromEntries(stage.args), ...hostEnv(stage) };
          const ownKeys = new Set(Object.keys(own).map((k) => k.toLowerCase()));
          const env = { ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !ownKeys.has(k.toLowerCase()))), ...own };
          mkdirSync(env.HOME!, { recursive: true });
          const r = await run('bash', ['-c', command], { cwd: hostPath(root, stage.workdir), env, timeoutMs: 300_000 });
          assert.equal(r.code, 0, `${where} ${command} failed (${r.code ?? r.signal}):\n${(r.stdout + r.stderr).slice(-4000)}`);
          stage.runs.push(command);
          break;
        }
        default:
          assert.fail(`${where}: instruction not implemented by this replay`);
      }
    }
    built.push(stage);
  }
  return built;
}

// ---------------------------------------------------------------------------------------------
// Helpers on trees

function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(relative(base, p));
    if (e.isDirectory()) out.push(...walk(p, base));
  }
  return out;
}

/** Path, type, size and mtime of everything under dir: changes when anything is written. */
function fingerprint(dir: string): string {
  return walk(dir).sort().map((p) => { const s = lstatSync(join(dir, p)); return `${p} ${s.mode} ${s.size} ${s.mtimeMs}`; }).join('\n');
}

function duBytes(dir: string): number {
  return walk(dir).reduce((n, p) => { const s = lstatSync(join(dir, p)); return s.isFile() ? n + s.size : n; }, 0);
}

// ---------------------------------------------------------------------------------------------

const dockerfile = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));

describe('Dockerfile (static)', () => {
  test('the parser joins continuations, drops comments, reads flags, KEY=VALUE pairs and exec forms', () => {
    const df = parseDockerfile('ARG BASE=node:24\nFROM ${BASE} AS one\n# comment\nRUN a \\\n  # inside\n  && b\nCOPY --from=one /x ./y\nFROM one\nCMD ["run", "x"]\n');
    assert.deepEqual(df.globalArgs.map((a) => a.args), ['BASE=node:24']);
    assert.deepEqual(df.stages.map((s) => [s.name, s.from]), [['one', '${BASE}'], ['1', 'one']]);
    assert.deepEqual(df.stages[0]?.instructions.map((i) => [i.cmd, i.args, i.flags, i.line]), [['RUN', 'a && b', {}, 4], ['COPY', '/x ./y', { from: 'one' }, 7]]);
    assert.deepEqual(execForm(df.stages[1]?.instructions[0]?.args ?? ''), ['run', 'x']);
    assert.deepEqual(pairs('a="x \\"y\\"" b=z c='), [['a', 'x "y"'], ['b', 'z'], ['c', '']]);
    assert.deepEqual(pairs('KEY some value'), [['KEY', 'some value']]);
    assert.throws(() => pairs('a=1 junk'), /cannot parse "junk"/);
    assert.equal(expand('${A}-$B-${C:-d}', new Map([['A', '1'], ['B', '2']])), '1-2-d');
  });
  const final = dockerfile.stages.at(-1)!;
  const all = dockerfile.stages.flatMap((s) => s.instructions);
  const finalOf = (cmd: string): Instruction[] => final.instructions.filter((i) => i.cmd === cmd);

  test('is multi-stage on Node 24, the final stage built from the same base as the others', () => {
    assert.ok(dockerfile.stages.length >= 2);
    const globals = new Map(dockerfile.globalArgs.flatMap((a) => pairs(a.args)));
    const bases = dockerfile.stages.map((s) => expand(s.from, globals));
    for (const b of bases) assert.match(b, NODE_BASE);
    assert.equal(new Set(bases).size, 1, bases.join(', '));
  });
  test('installs runtime dependencies with npm ci --omit=dev and compiles with tsc', () => {
    assert.ok(all.some((i) => i.cmd === 'RUN' && /\bnpm ci\b/.test(i.args) && /--omit=dev\b/.test(i.args)));
    assert.ok(all.some((i) => i.cmd === 'RUN' && /\btsc\b.*tsconfig\.build\.json/.test(i.args)));
    // The final stage itself runs nothing: it only receives files.
    assert.deepEqual(finalOf('RUN'), []);
  });
  test('runs as a numeric non-root user (so runAsNonRoot can verify it)', () => {
    const user = finalOf('USER').at(-1)?.args ?? '';
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    assert.ok(m, `USER ${user}`);
    assert.notEqual(Number(m[1]), 0);
    if (m[2] !== undefined) assert.notEqual(Number(m[2]), 0);
  });
  test('starts node on the compiled CLI, the controller by default, and exposes its HTTP port', () => {
    const entrypoint = execForm(finalOf('ENTRYPOINT').at(-1)?.args ?? '[]');
    assert.equal(entrypoint[0], 'node');
    assert.equal(entrypoint.at(-1), 'dist/cli/main.js');
    assert.deepEqual(execForm(finalOf('CMD').at(-1)?.args ?? '[]'), ['run']);
    const port = FLAGS['http-address']?.default?.split(':').at(-1);
    assert.deepEqual(finalOf('EXPOSE').map((i) => i.args), [port]);
  });
  test('the default VERSION build argument is the package version', () => {
    const version = finalOf('ARG').flatMap((a) => pairs(a.args)).find(([k]) => k === 'VERSION');
    assert.equal(version?.[1], pkg.version);
  });
});

describe('container image built from the Dockerfile without docker', () => {
  let work = '';
  let image = ''; // the final stage's root filesystem, as the container sees it
  let stages: BuiltStage[] = [];
  let final: BuiltStage;
  let app: string;
  let nodeBin: string;
  let readOnlyMount = false;
  const isRoot = process.getuid?.() === 0;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kscale-image-'));
    image = join(work, 'image');
    nodeBin = spawnSync(join(repo, 'scripts/node.sh'), ['--print-bin-dir'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(existsSync(join(nodeBin, 'node')), `scripts/node.sh --print-bin-dir gave ${nodeBin}`);
    stages = await buildImage(dockerfile, work, nodeBin, { REVISION: '0123456789abcdef', SOURCE: 'https://example.test/kscale' });
    final = stages.at(-1)!;
    // "Run" the image: its tree in a world-readable directory, Node 24 as the base image's
    // /usr/local/bin/node, an empty /tmp as every image has, then everything read-only.
    chmodSync(work, 0o755);
    cpSync(final.root, image, { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(image, 'usr/local/bin'), { recursive: true });
    cpSync(join(nodeBin, 'node'), join(image, 'usr/local/bin/node'));
    mkdirSync(join(image, 'tmp'), { recursive: true });
    mkdirSync(join(image, 'examples'), { recursive: true });
    cpSync(join(repo, 'examples/decide'), join(image, 'examples/decide'), { recursive: true });
    spawnSync('chmod', ['-R', 'a+rX,a-w', image]);
    app = hostPath(image, final.workdir);
    readOnlyMount = isRoot && spawnSync('unshare', ['-m', '--', 'true']).status === 0;
  });

  after(() => {
    if (!work) return;
    if (process.env.KSCALE_KEEP_IMAGE_DIR) { console.log(`# image tree kept in ${work}`); return; }
    spawnSync('chmod', ['-R', 'u+w', work]);
    rmSync(work, { recursive: true, force: true });
  });

  /** Starts a command in the image as its USER, on the read-only tree, with only the image's ENV. */
  function container(argv: string[], opts: { timeoutMs?: number } = {}) {
    const [uid = '', gid = uid] = (final.user ?? '').split(':');
    const env: Record<string, string> = { PATH: `${join(image, 'usr/local/bin')}:/usr/bin:/bin`, TMPDIR: join(image, 'tmp'), ...hostEnv({ ...final, root: image }) };
    const command = argv[0] === 'node' ? join(image, 'usr/local/bin/node') : argv[0]!;
    let exec = [command, ...argv.slice(1)];
    if (isRoot) exec = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...exec];
    if (readOnlyMount) {
      // A private mount namespace in which the image tree is a read-only bind mount (EROFS even for root).
      const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
      exec = ['unshare', '-m', '--', 'bash', '-c',
        `mount --make-rprivate / && mount --bind ${q(image)} ${q(image)} && mount -o remount,bind,ro ${q(image)} && exec ${exec.map(q).join(' ')}`];
    }
    return { exec, env, cwd: app, timeoutMs: opts.timeoutMs ?? 60_000 };
  }
  async function runIn(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const c = container([...final.entrypoint!, ...args]);
    return run(c.exec[0]!, c.exec.slice(1), c);
  }

  test('every stage was replayed; the image is the last one', () => {
    assert.ok(stages.length >= 2);
    assert.ok(final.runs.length === 0 && stages.some((s) => s.runs.some((r) => r.includes('--omit=dev'))));
    assert.ok(final.user && final.entrypoint);
  });

  test('holds only package.json, dist/, production node_modules and the CRD', () => {
    assert.deepEqual(readdirSync(final.root).sort(), [final.workdir.split('/')[1]], 'the Dockerfile writes only under its WORKDIR (no npm cache, no /root)');
    assert.deepEqual(readdirSync(app).sort(), ['deploy', 'dist', 'node_modules', 'package.json']);
    const version = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { version: string; type: string };
    assert.equal(version.version, pkg.version);
    assert.equal(version.type, 'module');
    assert.ok(existsSync(join(app, 'dist/cli/main.js')));
    assert.ok(existsSync(join(app, 'deploy/crd/horizontalautoscalers.kscale.dev.yaml')));
    const outside = walk(app).filter((p) => !p.startsWith('node_modules'));
    assert.deepEqual(outside.filter((p) => /\.(ts|tsx|mts|cts)$/.test(p)), [], 'no TypeScript sources');
    assert.deepEqual(outside.filter((p) => /\.test\.js$/.test(p)), [], 'no compiled tests');
  });

  test('has no devDependencies and every runtime dependency of the lockfile', () => {
    for (const d of ['typescript', 'eslint', 'typescript-eslint', 'fast-check']) assert.ok(!existsSync(join(app, 'node_modules', d)), `node_modules/${d}`);
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean; hasInstallScript?: boolean }> };
    let runtime = 0;
    for (const [path, p] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/')) continue;
      if (p.dev) assert.ok(!existsSync(join(app, path)), `${path} is a devDependency`);
      else if (!p.optional && !p.devOptional) { assert.ok(existsSync(join(app, path, 'package.json')), `${path} missing`); runtime++; }
      // The deps stage runs npm ci --ignore-scripts: a runtime package needing its install script would break.
      if (!p.dev && !p.devOptional) assert.ok(!p.hasInstallScript, `${path} has an install script`);
    }
    assert.ok(runtime > 10, `${runtime} runtime packages`);
  });

  test('is small: the application layer stays under 60 MB', () => {
    const mb = duBytes(app) / 1e6;
    console.log(`# application layer: ${mb.toFixed(1)} MB (node_modules ${(duBytes(join(app, 'node_modules')) / 1e6).toFixed(1)} MB)`);
    assert.ok(mb < 60, `${mb.toFixed(1)} MB`);
  });

  test('carries the OCI labels, with the build arguments', () => {
    const l = final.labels;
    assert.equal(l.get('org.opencontainers.image.title'), 'kscale');
    assert.equal(l.get('org.opencontainers.image.version'), pkg.version);
    assert.equal(l.get('org.opencontainers.image.revision'), '0123456789abcdef');
    assert.equal(l.get('org.opencontainers.image.source'), 'https://example.test/kscale');
    assert.equal(l.get('org.opencontainers.image.licenses'), 'Apache-2.0');
    assert.match(l.get('org.opencontainers.image.base.name') ?? '', NODE_BASE);
    assert.ok(l.has('org.opencontainers.image.created'));
    assert.equal(final.env.get('NODE_ENV'), 'production');
  });

  test('the simulated root filesystem really is read-only for the container user', async () => {
    const c = container(['node', '-e', `
      const fs = require('node:fs');
      const tries = ['package.json.new', 'dist/x', process.env.HOME + '/x', require('node:os').tmpdir() + '/x'];
      const failed = tries.filter((f) => { try { fs.writeFileSync(f, 'x'); return false; } catch (e) { return e.code === 'EACCES' || e.code === 'EROFS'; } });
      console.log(JSON.stringify({ uid: process.getuid(), failed: failed.length, of: tries.length }));`]);
    const r = await run(c.exec[0]!, c.exec.slice(1), c);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { uid: number; failed: number; of: number };
    assert.equal(out.failed, out.of, 'every write must fail');
    if (isRoot) assert.equal(String(out.uid), (final.user ?? '').split(':')[0]);
    else assert.notEqual(out.uid, 0);
  });

  test('`kscale version` prints the package version on Node 24', async () => {
    const before = fingerprint(image);
    const r = await runIn(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^kscale ${pkg.version.replaceAll('.', '\\.')} \\(node 24\\.`));
    // The REVISION build argument reaches the build-info file: the image names its commit.
    const json = await runIn(['version', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { commit: string }).commit, '0123456789abcdef');
    assert.equal(fingerprint(image), before, 'nothing written');
  });

  test('`kscale decide -f` answers for every example snapshot', async () => {
    const expected = JSON.parse(readFileSync(join(repo, 'examples/decide/expected.json'), 'utf8')) as Record<string, { desiredReplicas: number; scaleTo: number | null }>;
    assert.ok(Object.keys(expected).length >= 3);
    for (const [file, want] of Object.entries(expected)) {
      const r = await runIn(['decide', '-f', join(image, 'examples/decide', file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { desiredReplicas: number; scaleTo: number | null };
      assert.equal(out.desiredReplicas, want.desiredReplicas, file);
      assert.equal(out.scaleTo, want.scaleTo, file);
    }
  });

  test('the default command without a cluster exits 2 with the fix', async () => {
    const r = await runIn([...(final.cmd ?? [])]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no cluster configured/);
  });

  test('`kscale run` starts against an API server, serves /metrics and stops on SIGTERM', async (t) => {
    // A loopback API server that knows the CRD, lists nothing and keeps watches open.
    const watches = new Set<ServerResponse>();
    const api: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/apis/kscale.dev/v1alpha1') {
        res.end(JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'kscale.dev/v1alpha1', resources: [{ name: 'horizontalautoscalers', namespaced: true, kind: 'HorizontalAutoscaler', verbs: ['get', 'list', 'watch'] }] }));
      } else if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200); res.flushHeaders(); watches.add(res); res.on('close', () => watches.delete(res));
      } else if (req.method === 'GET') {
        res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
      } else {
        res.statusCode = 404; res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
      }
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    t.after(() => { for (const w of watches) w.destroy(); api.close(); });
    const apiPort = (api.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const httpPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => { r(); }));

    const c = container([...final.entrypoint!, 'run', '--server', `http://127.0.0.1:${apiPort}`, '--leader-elect=false', '--http-address', `127.0.0.1:${httpPort}`]);
    const before = fingerprint(image);
    const child = spawn(c.exec[0]!, c.exec.slice(1), { cwd: c.cwd, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => { r(code); }));
    t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

    let metrics = '';
    for (let i = 0; i < 100 && !/^kscale_leader 1$/m.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (child.exitCode !== null) break;
      try { metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text(); } catch { /* not up yet */ }
    }
    assert.match(metrics, /^kscale_leader 1$/m, `no leader gauge; stderr:\n${stderr}\nstdout:\n${stdout.slice(-2000)}`);
    assert.match(metrics, /^kscale_workqueue_depth 0$/m);
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);

    // SIGTERM goes to the innermost process: unshare, bash and setpriv all exec into node.
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: shutting down/);
    assert.equal(fingerprint(image), before, 'nothing written');
  });
});
