// How a loss with trainable connectors gets them: the run's own (trained with the student) or,
// when none are given, deterministic throwaway ones built for this call.
import type * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, FeaturePairShape, LearnableParts } from './types';
import type { FeaturePair } from './inputs';

export type PartsBuilder<P extends LearnableParts> = (
  pairs: readonly FeaturePairShape[],
  seed: number,
  trainable: boolean,
) => P;

/** The seed of the throwaway connectors `computeDistillLoss` builds when none are given. */
export const DEFAULT_PARTS_SEED = 0;

export function shapesOf(pairs: readonly FeaturePair[]): FeaturePairShape[] {
  return pairs.map(([student, teacher]) => ({ student: student.shape, teacher: teacher.shape }));
}

/**
 * Run `compute` (the loss, or its matched view's pictures) with `inputs.learnable` after checking
 * it was made by this method for this many pairs; without it, build parts from the actual shapes
 * (seed 0, not trainable), run and free them.
 */
export function withLearnableParts<P extends LearnableParts, R = tf.Scalar>(
  methodId: string,
  label: string,
  inputs: DistillInputs,
  pairs: readonly FeaturePair[],
  build: PartsBuilder<P>,
  compute: (parts: P) => R,
): R {
  const given = inputs.learnable;
  if (given) {
    if (given.method !== methodId) {
      throw new Error(`${label} was given learnable parts made by "${given.method}"; make them with ${methodId}.createLearnable`);
    }
    if (given.pairCount !== pairs.length) {
      throw new Error(`${label}: the learnable parts were built for ${given.pairCount} layer pairs, got ${pairs.length}`);
    }
    // Safe: only this method's createLearnable makes parts tagged with its id.
    return compute(given as P);
  }
  const parts = build(shapesOf(pairs), DEFAULT_PARTS_SEED, false);
  try {
    return compute(parts);
  } finally {
    parts.dispose();
  }
}
