// Zagoruyko, Komodakis 2017, "Paying More Attention to Attention" (ICLR).
// a(f) = normalize(mean over channels of f^p, flattened per sample), normalize = x / max(|x|, 1e-12)
// loss = sum over pairs of mean over B*H*W of (a(f_s) - a(f_t))^2
// As RepDistiller Attention (HobbitLong/RepDistiller@b84f547 distiller_zoo/AT.py, p = 2): when the
// heights differ the larger map is adaptive-average-pooled to the smaller (h, h) first; the
// per-pair losses are summed as RepDistiller's training loop does.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, flattenSamples, meanSquaredError, normalizeRows } from '../ops';
import { featurePairs, poolToSmallerMap } from '../inputs';

const LABEL = 'AT';

/** The attention map of a feature map: L2-normalised channel mean of f^p, one row per sample. */
function attentionMap(feature: tf.Tensor4D, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const powered = p === 2 ? tf.square(feature) : tf.pow(feature, p);
    return normalizeRows(flattenSamples(tf.mean(powered, 3)));
  });
}

/** One pair's term, as the reference's at_loss returns it. */
export function attentionPairLosses(inputs: DistillInputs, p: number): tf.Scalar[] {
  return featurePairs(inputs, LABEL).map(([student, teacher], index) =>
    tf.tidy(() => {
      const [pooledStudent, pooledTeacher] = poolToSmallerMap([student, detach(teacher)], LABEL, index);
      return meanSquaredError(attentionMap(pooledStudent, p), attentionMap(pooledTeacher, p));
    }),
  );
}

export const at: DistillMethod = {
  ...methodSpec('at'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const p = params.p;
    return tf.tidy(() => tf.addN(attentionPairLosses(inputs, p)) as tf.Scalar);
  },
};
