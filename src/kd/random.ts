// Seeded randomness for the losses' connectors and MGD's mask. The same generator as
// src/train/rng.ts (mulberry32), kept here so src/kd depends on nothing above it.

/** mulberry32: floats in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` draws from U(-bound, bound). */
export function uniformValues(random: () => number, count: number, bound: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (2 * random() - 1) * bound;
  return values;
}
