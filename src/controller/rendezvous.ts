// Rendezvous (highest-random-weight) hashing: a key belongs to the member with the highest weight
// hash(member, key). Every replica computes the same owner from the same member set, a member that
// joins takes only the keys it now outweighs, and a member that leaves hands over only its own keys
// (each to its runner-up): the minimal movement consistent hashing promises, without a ring.

/**
 * A 53-bit hash of a string (two 32-bit FNV-1a lanes with different offsets, each finished by
 * murmur3's avalanche step). Not cryptographic: only needs to spread "member\0key" evenly and be
 * identical on every replica and version. Exact in a double.
 */
export function hash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  a = fmix32(a ^ s.length);
  b = fmix32(b ^ (s.length * 0x27d4eb2d));
  return (b >>> 11) * 0x100000000 + (a >>> 0); // 21 bits of b, 32 of a
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The weight of `member` for `key`. */
export const weight = (member: string, key: string): number => hash53(`${member}\u0000${key}`);

/** The member owning `key`: the highest weight, ties broken by name (so every replica agrees). */
export function ownerOf(key: string, members: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const m of members) {
    const w = weight(m, key);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) { best = m; bestWeight = w; }
  }
  return best;
}
