// What @kubernetes/client-node's dist/cache.js takes from serializer.js (see slim-client-node.ts):
// ObjectSerializer.serialize(selector, 'string'), which returns a string unchanged.
export const ObjectSerializer = {
  serialize(data: unknown, type: string): unknown {
    if (type !== 'string') throw new Error(`client-node cache.js serialized a ${type}: the slim serializer handles strings only`);
    return data;
  },
};
