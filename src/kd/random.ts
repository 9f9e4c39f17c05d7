// Seeded draws for the losses' connectors and MGD's mask, from the one generator of src/core/rng.ts.
export { createRng as seededRandom } from '../core/rng';

/** `count` draws from U(-bound, bound). */
export function uniformValues(random: () => number, count: number, bound: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (2 * random() - 1) * bound;
  return values;
}
