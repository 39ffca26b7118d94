// The parts of @kubernetes/client-node the controller uses at run time, imported from their own
// modules rather than the package index: the index loads every generated API group (about 20 MiB of
// source text and 10 MiB of code that stay in the heap). Types still come from the index (erased).
// With slim-client-node.ts's hooks registered, these imports stay slim (config.js's and cache.js's
// two imports of generated code are cut); without them they load the full package, as before.
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { makeInformer } from '@kubernetes/client-node/dist/informer.js';
export { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
export { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
