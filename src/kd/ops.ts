// Numerically careful building blocks shared by the loss files. Pure tfjs, no DOM.
import * as tf from '@tensorflow/tfjs-core';

/**
 * sum over all entries of p_t * (log p_t - log p_s), given log-probabilities.
 * Matches torch's kl_div(reduction='sum'): exp(logP_t) underflowing to 0 contributes exactly 0
 * because log p_t stays finite (it comes from logSoftmax, never log(0)).
 */
export function klDivergenceSum(logTarget: tf.Tensor, logInput: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.exp(logTarget);
    return tf.sum(tf.mul(target, tf.sub(logTarget, logInput))) as tf.Scalar;
  });
}

/** L2-normalise each row, dividing by max(norm, eps) exactly like torch.nn.functional.normalize. */
export function normalizeRows(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
    return tf.div(x, tf.maximum(norm, eps)) as tf.Tensor2D;
  });
}

/** Flatten every sample of a batch to one row. */
export function flattenSamples(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
}
