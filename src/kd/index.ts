// The loss API (docs/ARCHITECTURE.md §4.1). Importable from Node, the worker and tests: no DOM here.
import type * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, FeaturePairShape, LearnableParts } from './types';
import { getMethod, resolveParams } from './registry';

export type {
  DistillInputs,
  DistillMethod,
  MethodSpec,
  ParamSpec,
  MethodKind,
  PaperRef,
  FeaturePairShape,
  LearnableParts,
  MixingRule,
  LayerUse,
  ResolvedParams,
  MatchedPicture,
  MatchedQuantities,
} from './types';
export { METHODS, getMethod, hasMethod, methodSpec, resolveParams, paramProblem } from './registry';
export { checkWeight, mixWeights, stepWeights, termWeights, warmupEpochs, warmupFactor } from './mixing';

/**
 * The distillation term of `method`, exactly as its reference implementation computes it.
 * Methods with trainable connectors (fitnet, mgd, vid, afd) take them from `inputs.learnable`
 * (see createLearnableParts); without them they use deterministic untrained ones (seed 0).
 * `params` are resolved here, on every call: the training loop does not come this way, it
 * resolves a term's parameters once per change and calls the method's `compute` with them
 * (src/train/liveTerms.ts, docs/ARCHITECTURE.md §4.1).
 */
export function computeDistillLoss(
  method: string,
  inputs: DistillInputs,
  params?: Record<string, number>,
): tf.Scalar {
  const spec = getMethod(method);
  return spec.compute(inputs, resolveParams(spec, params));
}

/**
 * The trainable connectors `method` needs for these layer pairs (FitNet's regressors, MGD's align
 * convs and generators, VID's regressors and variances, AFD's queries, keys and positions), or
 * null for a method without any.
 * The caller trains `variables` with the student, passes the parts as `inputs.learnable` on
 * every step and disposes them at the end of the run.
 */
export function createLearnableParts(
  method: string,
  pairs: readonly FeaturePairShape[],
  seed: number,
): LearnableParts | null {
  const spec = getMethod(method);
  return spec.createLearnable ? spec.createLearnable(pairs, seed) : null;
}
