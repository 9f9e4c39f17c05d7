// Tung, Mori 2019, "Similarity-Preserving Knowledge Distillation" (ICCV).
// G = normalize_rows(F F^T), F = the feature map flattened per sample ([B, H*W*C])
// loss = sum over pairs of sum((G_t - G_s)^2) / B^2
// As RepDistiller Similarity (HobbitLong/RepDistiller@1e2f816 distiller_zoo/SP.py); per-pair losses
// summed as its training loop does. Only the batch sizes must agree: G is B x B whatever the layer.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, MatchedPicture } from '../types';
import { methodSpec } from '../methods';
import { detach, flattenSamples, normalizeRows } from '../ops';
import { featurePairs } from '../inputs';

/** Row-normalised batch similarity (Gram) matrix of a feature map: what the loss and the matched view read. */
export function similarityMatrix(feature: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const flat = flattenSamples(feature);
    return normalizeRows(tf.matMul(flat, flat, false, true));
  });
}

export const sp: DistillMethod = {
  ...methodSpec('sp'),
  compute(inputs: DistillInputs): tf.Scalar {
    return tf.tidy(() => {
      const losses = featurePairs(inputs, 'SP').map(([student, teacher]) => {
        const batch = student.shape[0];
        const difference = tf.sub(similarityMatrix(detach(teacher)), similarityMatrix(student));
        return tf.div(tf.sum(tf.square(difference)), batch * batch);
      });
      return tf.addN(losses) as tf.Scalar;
    });
  },
  matched: {
    over: 'batch',
    pictures: (inputs) =>
      tf.tidy(() =>
        featurePairs(inputs, 'SP').map(([student, teacher], layer): MatchedPicture => ({
          kind: 'relation',
          layer,
          student: similarityMatrix(student),
          teacher: similarityMatrix(detach(teacher)),
          columns: 'samples',
          caption: "G = F Fᵀ, rows L2-normalised (F: each sample's feature map flattened): the loss is the mean of (G_t − G_s)² over the B × B entries",
        })),
      ),
  },
};
