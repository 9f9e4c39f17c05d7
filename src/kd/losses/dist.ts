// Huang, You, Wang, Qian, Xu 2022, "Knowledge Distillation from A Stronger Teacher" (NeurIPS).
// y = softmax(z / T); pearson(a, b) = <a - mean a, b - mean b> / (|a - mean a| |b - mean b| + 1e-8)
// loss = T^2 * (beta * (1 - mean over samples of pearson(row_s, row_t))     (inter-class)
//             + gamma * (1 - mean over classes of pearson(col_s, col_t)))   (intra-class)
// As DIST in hunto/image_classification_sota@d9662f7 lib/models/losses/dist_kd.py (the version
// with tau; torchdistill DISTLoss computes the same).
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, l2Norm } from '../ops';

const PEARSON_EPS = 1e-8;

/** The Pearson correlation between matching rows of a and b, one per row. */
function rowPearson(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const centredA = tf.sub(a, tf.mean(a, 1, true));
    const centredB = tf.sub(b, tf.mean(b, 1, true));
    const dot = tf.sum(tf.mul(centredA, centredB), 1);
    const norms = tf.reshape(tf.mul(l2Norm(centredA, 1), l2Norm(centredB, 1)), [-1]);
    return tf.div(dot, tf.add(norms, PEARSON_EPS)) as tf.Tensor1D;
  });
}

/** Mean over rows of the Pearson correlation between matching rows of a and b. */
function meanRowPearson(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(rowPearson(a, b)) as tf.Scalar);
}

/**
 * The class distributions softmax(z / T) of the student and the (detached) teacher, [B, C] each:
 * the inter-class term correlates their matching rows, the intra-class term their matching
 * columns. What the loss and the matched view read.
 */
export function classDistributions(inputs: DistillInputs, temperature: number): [student: tf.Tensor2D, teacher: tf.Tensor2D] {
  return tf.tidy(() => [
    tf.softmax(tf.div(inputs.studentLogits, temperature)) as tf.Tensor2D,
    tf.softmax(tf.div(detach(inputs.teacherLogits), temperature)) as tf.Tensor2D,
  ]);
}

export const dist: DistillMethod = {
  ...methodSpec('dist'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const beta = params.beta;
    const gamma = params.gamma;
    const temperature = params.temperature;
    return tf.tidy(() => {
      const [student, teacher] = classDistributions(inputs, temperature);
      const inter = tf.sub(1, meanRowPearson(student, teacher));
      const intra = tf.sub(1, meanRowPearson(tf.transpose(student), tf.transpose(teacher)));
      const weighted = tf.add(tf.mul(inter, beta), tf.mul(intra, gamma));
      return tf.mul(weighted, temperature * temperature) as tf.Scalar;
    });
  },
  matched: {
    over: 'batch',
    pictures(inputs, params) {
      return tf.tidy(() => {
        const [student, teacher] = classDistributions(inputs, params.temperature);
        return [
          {
            kind: 'relation',
            layer: 'logits',
            student,
            teacher,
            columns: 'classes',
            caption: `softmax(z / ${params.temperature}) of each sample (rows) over the classes (columns): the inter-class term correlates matching rows, the intra-class term matching columns`,
          },
        ];
      });
    },
  },
};
