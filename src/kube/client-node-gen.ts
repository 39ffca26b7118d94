// What @kubernetes/client-node's dist/config.js takes from gen/index.js (see slim-client-node.ts).
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
