// kscale in benchmarks runs as the container image starts it: the compiled dist/ (built here first),
// with the node flags of the Dockerfile's ENTRYPOINT and the image's ENV, so that the figures are
// those of what users deploy, not of a source checkout (type stripping alone adds ~25 MiB).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

export interface ImageLaunch { command: string; args: string[]; env: Record<string, string> }

/** The Dockerfile's final ENTRYPOINT (exec form) and ENV, with `node` and paths made local. */
export function imageLaunch(dockerfile = readFileSync(repo('Dockerfile'), 'utf8')): ImageLaunch {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const entry = lines.filter((l) => /^ENTRYPOINT\s+\[/.test(l)).at(-1);
  if (!entry) throw new Error('Dockerfile: no exec-form ENTRYPOINT');
  const words = JSON.parse(entry.replace(/^ENTRYPOINT\s+/, '')) as string[];
  if (words[0] !== 'node') throw new Error(`Dockerfile ENTRYPOINT does not start node: ${entry}`);
  const env: Record<string, string> = {};
  // Only the final stage's ENV lines (after its FROM) apply.
  const finalStage = lines.slice(lines.findLastIndex((l) => /^FROM\s/.test(l)));
  for (const l of finalStage.filter((x) => /^ENV\s/.test(x))) {
    for (const m of l.replace(/^ENV\s+/, '').matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '');
  }
  return { command: process.execPath, args: words.slice(1).map((w) => (w.startsWith('dist/') ? repo(w) : w)), env };
}

/** Builds dist/ (tsc), as the image's build stage does. */
export function buildDist(): void {
  execFileSync(repo('scripts/node.sh'), [repo('node_modules/typescript/bin/tsc'), '-p', repo('tsconfig.build.json')], { stdio: 'inherit' });
}
