// Zhao, Cui, Song, Qiu, Liang 2022, "Decoupled Knowledge Distillation" (CVPR).
// loss = alpha * TCKD + beta * NCKD, both * T^2 / B, p = softmax(z / T), g = the label:
//   TCKD = sum_b KL([p_t(g), sum_{j!=g} p_t(j)] || [p_s(g), sum_{j!=g} p_s(j)])
//   NCKD = sum_b KL(softmax(z_t/T - 1000*1_g) || softmax(z_s/T - 1000*1_g))
// As mdistiller dkd_loss (megvii-research/mdistiller@a08d46f mdistiller/distillers/DKD.py).
// The warm-up factor min(epoch / warm-up epochs, 1) is the training loop's, not part of this term;
// its length is a share of the run (mixing.ts warmupEpochs), mdistiller's 20 of 240 epochs by default.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, klDivergenceSum } from '../ops';

/** The gt class is pushed down by this much before NCKD's softmax, exactly as the reference. */
const NCKD_GT_SUPPRESSION = 1000;

/**
 * log of the binary [target, rest] probabilities. The reference takes torch.log of masked sums of
 * softmax outputs; logSoftmax and logSumExp give the same numbers without log(0) when a
 * probability underflows (extreme logits).
 */
function logTargetVersusRest(logProbabilities: tf.Tensor2D, gtMask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const logTarget = tf.sum(tf.mul(logProbabilities, gtMask), 1, true);
    // -inf in place of the target's log-probability, written as a finite shift so that no
    // backend meets inf - inf: exp(shifted) underflows to exactly 0 for the target column.
    const others = tf.sub(logProbabilities, tf.mul(gtMask, 1e30));
    const logRest = tf.logSumExp(others, 1, true);
    return tf.concat([logTarget, logRest], 1) as tf.Tensor2D;
  });
}

/** TCKD and NCKD, each already multiplied by T^2 / B (the reference's components). */
export function dkdTerms(inputs: DistillInputs, temperature: number): { tckd: tf.Scalar; nckd: tf.Scalar } {
  return tf.tidy(() => {
    const { studentLogits, teacherLogits, labels } = inputs;
    const [batch, classes] = studentLogits.shape;
    const scale = (temperature * temperature) / batch;
    const gtMask = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32') as tf.Tensor2D;
    const scaledStudent = tf.div(studentLogits, temperature) as tf.Tensor2D;
    const scaledTeacher = tf.div(detach(teacherLogits), temperature) as tf.Tensor2D;

    const binaryStudent = logTargetVersusRest(tf.logSoftmax(scaledStudent), gtMask);
    const binaryTeacher = logTargetVersusRest(tf.logSoftmax(scaledTeacher), gtMask);
    const tckd = tf.mul(klDivergenceSum(binaryTeacher, binaryStudent), scale) as tf.Scalar;

    const suppression = tf.mul(gtMask, NCKD_GT_SUPPRESSION);
    const nonTargetStudent = tf.logSoftmax(tf.sub(scaledStudent, suppression));
    const nonTargetTeacher = tf.logSoftmax(tf.sub(scaledTeacher, suppression));
    const nckd = tf.mul(klDivergenceSum(nonTargetTeacher, nonTargetStudent), scale) as tf.Scalar;
    return { tckd, nckd };
  });
}

export const dkd: DistillMethod = {
  ...methodSpec('dkd'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const alpha = params.alpha;
    const beta = params.beta;
    const temperature = params.temperature;
    return tf.tidy(() => {
      const { tckd, nckd } = dkdTerms(inputs, temperature);
      return tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta)) as tf.Scalar;
    });
  },
};
