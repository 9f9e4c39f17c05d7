// Dropout masks from the run's seed (docs/ARCHITECTURE.md §1). tfjs' Dropout layer reads its
// `seed` at every training call (tf.dropout(x, rate, noiseShape, seed)): left unseeded it draws from
// tfjs' own unseeded stream, so a seeded run would not repeat; one fixed seed would draw the same
// mask at every step. So before each step the loop gives every dropout layer a seed of its own for
// that step, derived from the run's seed, the layer's name and the step, and when the run ends
// puts back the seed the layer was built with (none), so the model saves as before.
// Inference (training: false) never draws a mask.
import type * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../core/rng';

/** A tfjs Dropout layer as this module touches it: `seed` is private in tfjs' typings, but public at run time. */
interface SeededDropout {
  readonly name: string;
  seed?: number;
}

/** The model's dropout layers (tfjs' Dropout class: the only dropout the lab's architectures build). */
export function dropoutLayers(model: tfl.LayersModel): SeededDropout[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Dropout') as unknown as SeededDropout[];
}

/** The seed of one dropout layer's mask at one step of a run whose dropout seed is `seed`. */
export function dropoutSeed(seed: number, layerName: string, step: number): number {
  return deriveSeed(seed, `dropout.${layerName}.${step}`);
}

/** Give each of the model's dropout layers its seed for `step` (models that share the layers, as taps do, share the seeds). */
export function reseedDropout(model: tfl.LayersModel, seed: number, step: number): void {
  for (const layer of dropoutLayers(model)) layer.seed = dropoutSeed(seed, layer.name, step);
}

/** A model trained by the run and the seed its dropout masks are derived from. */
export interface DropoutSource {
  model: tfl.LayersModel;
  seed: number;
}

/** The run's dropout seeding, for the models that have dropout layers. */
export interface DropoutSeeding {
  /** Before step `step` (0 for the first): every dropout layer gets that step's seed. */
  beforeStep(step: number): void;
  /** Put back the seeds the layers had before the run (none for a built model). */
  restore(): void;
}

/** Seeding for the models with dropout layers; null when none has one (nothing to do at a step). */
export function dropoutSeeding(sources: readonly DropoutSource[]): DropoutSeeding | null {
  const seeded = sources.filter(({ model }) => dropoutLayers(model).length > 0);
  if (seeded.length === 0) return null;
  const before = seeded.flatMap(({ model }) => dropoutLayers(model).map((layer) => ({ layer, seed: layer.seed })));
  return {
    beforeStep: (step) => {
      for (const { model, seed } of seeded) reseedDropout(model, seed, step);
    },
    restore: () => {
      for (const { layer, seed } of before) layer.seed = seed;
    },
  };
}
