/**
 * mulberry32: a tiny seeded PRNG, deterministic across platforms — for what must replay the same from a seed
 * (the capacity model's retry jitter, the chaos drill's fault plan). Returns floats in [0, 1). No imports.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
