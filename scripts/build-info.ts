// Writes dist/build-info.json ({commit, buildDate}) after `npm run build` (also run by `npm pack`
// through prepack), so an installed kscale can say which commit it was built from without git.
// KSCALE_BUILD_COMMIT overrides the commit (a build from a tarball or a container context has no
// .git); SOURCE_DATE_EPOCH fixes the date for reproducible builds.
// Usage: scripts/node.sh scripts/build-info.ts [OUTPUT]   (default dist/build-info.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitCommit, UNKNOWN } from '../src/cli/version.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = process.argv[2] !== undefined ? resolve(process.argv[2]) : fileURLToPath(new URL('../dist/build-info.json', import.meta.url));

const epoch = process.env.SOURCE_DATE_EPOCH;
const date = epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
const info = {
  commit: process.env.KSCALE_BUILD_COMMIT || gitCommit(root) || UNKNOWN,
  buildDate: date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(info, null, 2) + '\n');
process.stderr.write(`kscale: wrote ${out} (commit ${info.commit}, built ${info.buildDate})\n`);
