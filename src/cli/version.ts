// The version printed by `kscale version` and sent as the User-Agent, with the commit and build date.
// package.json sits two levels above both src/cli and dist/cli, so the same relative path works from
// source and from the build. The commit and date come from dist/build-info.json, written when the
// package is built or packed (scripts/build-info.ts); a source checkout has no such file and asks git;
// anything else says "unknown".
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError, type CommandIO } from './io.ts';
import { versionUsage } from './usages.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;

export interface BuildInfo {
  version: string;
  commit: string;
  buildDate: string;
  node: string;
}

export const UNKNOWN = 'unknown';

/** The package root (holds package.json) and, for a build, dist/build-info.json beside dist/cli. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_INFO_FILE = fileURLToPath(new URL('../build-info.json', import.meta.url));

/** HEAD of the git checkout at root, or undefined when root is not one (or git is missing). */
export function gitCommit(root: string): string | undefined {
  // Only the package's own checkout: an installed copy inside some other repository must not
  // report that repository's commit.
  if (!existsSync(`${root}/.git`)) return undefined;
  try {
    const out = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the build-info file; undefined when it is absent or unreadable (never throws). */
function readBuildFile(file: string): { commit?: string; buildDate?: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    return {
      ...(typeof o.commit === 'string' && o.commit !== '' ? { commit: o.commit } : {}),
      ...(typeof o.buildDate === 'string' && o.buildDate !== '' ? { buildDate: o.buildDate } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Where to look; tests point these at temporary directories. */
export interface BuildInfoSources { buildInfoFile?: string; root?: string; version?: string; node?: string }

/** Version, commit, build date and Node version: build-info file, else git, else "unknown". */
export function buildInfo(s: BuildInfoSources = {}): BuildInfo {
  const file = readBuildFile(s.buildInfoFile ?? BUILD_INFO_FILE);
  const commit = file?.commit ?? (file ? undefined : gitCommit(s.root ?? PACKAGE_ROOT));
  return {
    version: s.version ?? VERSION,
    commit: commit ?? UNKNOWN,
    buildDate: file?.buildDate ?? UNKNOWN,
    node: s.node ?? process.versions.node,
  };
}

/** One line; starts "kscale X.Y.Z (node N" as it always has, so scripts matching that keep working. */
export function versionText(b: BuildInfo): string {
  const commit = b.commit === UNKNOWN ? UNKNOWN : b.commit.slice(0, 12);
  return `kscale ${b.version} (node ${b.node}, commit ${commit}, built ${b.buildDate})`;
}

export function versionCommand(args: string[], io: CommandIO, info: () => BuildInfo = buildInfo): Promise<number> {
  const { values } = parseArgs({ args, options: { output: { type: 'string', short: 'o', default: 'text' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) { io.out(versionUsage + '\n'); return Promise.resolve(0); }
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`--output must be text or json, got ${JSON.stringify(values.output)}`);
  const b = info();
  io.out(values.output === 'json' ? JSON.stringify(b) + '\n' : versionText(b) + '\n');
  return Promise.resolve(0);
}
