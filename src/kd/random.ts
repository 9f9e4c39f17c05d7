// Seeded draws for the losses' connectors and MGD's mask, from the one generator of src/core/rng.ts.
export { createRng as seededRandom } from '../core/rng';

/** `count` draws from U(-bound, bound). */
export function uniformValues(random: () => number, count: number, bound: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (2 * random() - 1) * bound;
  return values;
}

/**
 * `count` draws from N(0, std^2), one Box–Muller pair of uniforms per draw (the cosine half):
 * sqrt(-2 ln(1 - u1)) * cos(2 pi u2). AFD's positional embeddings (torch's xavier_normal_).
 */
export function normalValues(random: () => number, count: number, std: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    values[i] = radius * Math.cos(2 * Math.PI * random()) * std;
  }
  return values;
}
