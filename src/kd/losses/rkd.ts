// Park, Kim, Lu, Cho 2019, "Relational Knowledge Distillation" (CVPR).
// d_ij = |e_i - e_j| (diagonal 0), divided by the mean of its non-zero entries;
// angle_ijk = <(e_j - e_i)/|e_j - e_i|, (e_k - e_i)/|e_k - e_i|> (normalize with max(|.|, 1e-12));
// loss = wDistance * smoothL1(d_s, d_t) + wAngle * smoothL1(angle_s, angle_t), smooth-L1 with
// beta 1 averaged over the B^2 and B^3 entries.
// As RepDistiller RKDLoss (HobbitLong/RepDistiller@1e2f816 distiller_zoo/RKD.py) on the embeddings.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, flattenSamples, normalize, pairwiseDistances, smoothL1Mean } from '../ops';
import { embeddings } from '../inputs';

/** Distances divided by the mean of the positive ones (the reference's t_d[t_d > 0].mean()): the loss's and the matched view's. */
export function meanNormalizedDistances(e: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const distances = pairwiseDistances(e, false);
    const positive = tf.step(distances); // 1 where > 0, else 0; unlike greater() it has a (zero) gradient
    const mean = tf.div(tf.sum(tf.mul(distances, positive)), tf.sum(positive));
    return tf.div(distances, mean) as tf.Tensor2D;
  });
}

/** [B, B, B] cosines of the angle at e_i between e_j and e_k. */
function tripletAngles(e: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const differences = tf.sub(tf.expandDims(e, 0), tf.expandDims(e, 1)) as tf.Tensor3D; // [i, j] = e_j - e_i
    const directions = normalize(differences, 2);
    return tf.matMul(directions, directions, false, true);
  });
}

export const rkd: DistillMethod = {
  ...methodSpec('rkd'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const wDistance = params.wDistance;
    const wAngle = params.wAngle;
    const [studentEmbedding, teacherEmbedding] = embeddings(inputs, 'RKD');
    return tf.tidy(() => {
      const student = flattenSamples(studentEmbedding);
      const teacher = flattenSamples(detach(teacherEmbedding));
      const distanceLoss = smoothL1Mean(meanNormalizedDistances(student), meanNormalizedDistances(teacher));
      const angleLoss = smoothL1Mean(tripletAngles(student), tripletAngles(teacher));
      return tf.add(tf.mul(distanceLoss, wDistance), tf.mul(angleLoss, wAngle)) as tf.Scalar;
    });
  },
  /** The distance matrices; the angle term's [B, B, B] cosines are not drawn. */
  matched: {
    over: 'batch',
    pictures(inputs) {
      const [studentEmbedding, teacherEmbedding] = embeddings(inputs, 'RKD');
      return tf.tidy(() => [
        {
          kind: 'relation',
          layer: 'embedding',
          student: meanNormalizedDistances(flattenSamples(studentEmbedding)),
          teacher: meanNormalizedDistances(flattenSamples(detach(teacherEmbedding))),
          columns: 'samples',
          caption: 'Distances |e_i − e_j| between embeddings, divided by their mean: the distance term compares them (smooth L1); the angle term is not drawn',
        },
      ]);
    },
  },
};
