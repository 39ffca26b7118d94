// Keeps @kubernetes/client-node's generated API out of the controller's memory (issue 11: RSS at
// 1,000 objects 168 → 134 MiB, and less for the garbage collector to mark). Two of the package's
// modules import generated code they barely use:
//  - dist/config.js imports gen/index.js (every API group, ~7 MiB of source in one module) for
//    createConfiguration and ServerConfiguration, used only by makeApiClient;
//  - dist/cache.js imports serializer.js (every model) to pass two selector strings through
//    ObjectSerializer.serialize(value, 'string'), which returns a string as it is.
// A resolve hook points those two imports at small modules that export exactly that. The package
// is pinned (package-lock.json) and test/unit/slim-client-node.test.ts fails if a new version
// moves either import or starts using more of them. Call before the first import of client-node.
import { registerHooks } from 'node:module';

const EXT = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const REDIRECTS: readonly { parent: string; specifier: string; to: string }[] = [
  { parent: '/@kubernetes/client-node/dist/config.js', specifier: './gen/index.js', to: new URL(`./client-node-gen.${EXT}`, import.meta.url).href },
  { parent: '/@kubernetes/client-node/dist/cache.js', specifier: './serializer.js', to: new URL(`./client-node-serializer.${EXT}`, import.meta.url).href },
];

let registered = false;

export function registerSlimClientNode(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, next) {
      const parent = context.parentURL ?? '';
      const r = REDIRECTS.find((x) => x.specifier === specifier && parent.endsWith(x.parent));
      return next(r ? r.to : specifier, context);
    },
  });
}
