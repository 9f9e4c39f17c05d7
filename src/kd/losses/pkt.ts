// Passalis, Tefas 2018, "Learning Deep Representations with Probabilistic Knowledge Transfer" (ECCV).
// x = e / (|e| + 1e-7) per row; K = (x x^T + 1) / 2; P = K / row sums of K;
// loss = mean over the B x B entries of P_t * log((P_t + 1e-7) / (P_s + 1e-7))
// As RepDistiller PKT.cosine_similarity_loss (HobbitLong/RepDistiller@1e2f816 distiller_zoo/PKT.py,
// the author's code), on the embeddings; widths may differ (the kernels are B x B).
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, flattenSamples, l2Norm } from '../ops';
import { embeddings } from '../inputs';

const EPS = 1e-7;

/** Row-normalised cosine kernel (c + 1) / 2: each row a distribution over the batch (the loss's and the matched view's). */
export function cosineDistributions(e: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const unit = tf.div(e, tf.add(l2Norm(e, 1), EPS));
    const similarity = tf.div(tf.add(tf.matMul(unit, unit, false, true), 1), 2);
    return tf.div(similarity, tf.sum(similarity, 1, true)) as tf.Tensor2D;
  });
}

export const pkt: DistillMethod = {
  ...methodSpec('pkt'),
  compute(inputs: DistillInputs): tf.Scalar {
    const [studentEmbedding, teacherEmbedding] = embeddings(inputs, 'PKT', 1);
    return tf.tidy(() => {
      const student = cosineDistributions(flattenSamples(studentEmbedding));
      const teacher = cosineDistributions(flattenSamples(detach(teacherEmbedding)));
      const logRatio = tf.log(tf.div(tf.add(teacher, EPS), tf.add(student, EPS)));
      return tf.mean(tf.mul(teacher, logRatio)) as tf.Scalar;
    });
  },
  matched: {
    over: 'batch',
    pictures(inputs) {
      const [studentEmbedding, teacherEmbedding] = embeddings(inputs, 'PKT', 1);
      return tf.tidy(() => [
        {
          kind: 'relation',
          layer: 'embedding',
          student: cosineDistributions(flattenSamples(studentEmbedding)),
          teacher: cosineDistributions(flattenSamples(detach(teacherEmbedding))),
          columns: 'samples',
          caption: "P(j | i): row i is sample i's cosine kernel (cos + 1) / 2 over the batch, summing to 1; the loss is KL(P_t ‖ P_s) averaged over the entries",
        },
      ]);
    },
  },
};
