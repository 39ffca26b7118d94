// Which modules a child Node resolves: a preload (--import) that records every resolved URL
// (module.registerHooks) and prints them as one JSON line on stderr at exit. Tests use it to check
// what a command loads, not how long it takes.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the recorder into `dir` and returns a runner: node [args…] → exit status, stdout, stderr, modules. */
export function moduleRecorder(dir: string): (args: string[], cwd?: string) => { status: number | null; stdout: string; stderr: string; modules: string[] } {
  const recorder = join(dir, 'record-modules.mjs');
  writeFileSync(recorder, `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => { process.stderr.write('\\nMODULES ' + JSON.stringify([...seen]) + '\\n'); });
`);
  return (args, cwd) => {
    const r = spawnSync(process.execPath, ['--import', recorder, ...args], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
    const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES ')) ?? 'MODULES []';
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules: JSON.parse(line.slice('MODULES '.length)) as string[] };
  };
}
