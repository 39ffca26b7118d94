// The version printed by `kscale version` and sent as the User-Agent. package.json sits two levels
// above both src/cli and dist/cli, so the same relative path works from source and from the build.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION: string = pkg.version;
export const VERSION_TEXT = `kscale ${VERSION} (node ${process.versions.node})`;
