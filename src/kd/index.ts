// The loss API (DESIGN §4.1). Importable from Node, the worker and tests: no DOM here.
import type * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs } from './types';
import { getMethod, resolveParams } from './registry';

export type { DistillInputs, DistillMethod, MethodSpec, ParamSpec, MethodKind, PaperRef } from './types';
export { METHODS, getMethod, hasMethod, resolveParams, paramProblem } from './registry';
export { mixWeights } from './mixing';

/** The distillation term of `method`, exactly as its reference implementation computes it. */
export function computeDistillLoss(
  method: string,
  inputs: DistillInputs,
  params?: Record<string, number>,
): tf.Scalar {
  const spec = getMethod(method);
  return spec.compute(inputs, resolveParams(spec, params));
}
