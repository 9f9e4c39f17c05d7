// Zhao, Cui, Song, Qiu, Liang 2022, "Decoupled Knowledge Distillation" (CVPR).
// loss = alpha * TCKD + beta * NCKD, both * T^2 / B, p = softmax(z / T), g = the label:
//   TCKD = sum_b KL([p_t(g), sum_{j!=g} p_t(j)] || [p_s(g), sum_{j!=g} p_s(j)])
//   NCKD = sum_b KL(softmax(z_t/T - 1000*1_g) || softmax(z_s/T - 1000*1_g))
// As mdistiller dkd_loss (megvii-research/mdistiller@a08d46f mdistiller/distillers/DKD.py).
// The warm-up factor min(epoch / warm-up epochs, 1) is the training loop's, not part of this term;
// its length is a share of the run (mixing.ts warmupEpochs), mdistiller's 20 of 240 epochs by default.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { temperatureParam } from '../params';
import { detach, klDivergenceSum } from '../ops';

/** mdistiller's CIFAR schedule ramps DKD over 20 of its 240 epochs. */
export const DKD_REFERENCE_WARMUP_FRACTION = 20 / 240;

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
  id: 'dkd',
  label: 'DKD (decoupled KD)',
  kind: 'logits',
  paper: {
    title: 'Decoupled Knowledge Distillation',
    authors: 'Zhao, Cui, Song, Qiu, Liang',
    year: 2022,
    url: 'https://arxiv.org/abs/2203.08679',
  },
  summary: 'KD split into target-class (TCKD) and non-target-class (NCKD) terms, weighted separately.',
  params: [
    {
      name: 'alpha',
      label: 'α (TCKD weight)',
      default: 1,
      min: 0,
      max: 10,
      step: 0.1,
      help: 'Weight of the target-vs-rest term: how confident the teacher is in the true class.',
    },
    {
      name: 'beta',
      label: 'β (NCKD weight)',
      default: 8,
      min: 0,
      max: 20,
      step: 0.5,
      help: "Weight of the non-target term: the teacher's ranking of the wrong classes (the dark knowledge).",
    },
    temperatureParam(4),
    {
      name: 'warmupFraction',
      label: 'Warm-up (share of the run)',
      default: DKD_REFERENCE_WARMUP_FRACTION,
      min: 0,
      max: 1,
      step: 0.01,
      help: "The DKD term ramps linearly from 0 to full weight over this share of the run's steps; 0.083 = mdistiller's 20 of 240 epochs, so a run of any length ramps like the paper's. 0 turns the ramp off.",
    },
    {
      name: 'warmupEpochs',
      label: 'Warm-up in epochs (fixed)',
      default: 0,
      min: 0,
      max: 10000,
      step: 1,
      help: "Above 0, replaces the share: the ramp lasts this many epochs whatever the run's length (mdistiller's 20, meant for 240 epochs). 0 = use the share.",
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'logits' },
  compute(inputs: DistillInputs, params): tf.Scalar {
    const alpha = params.alpha ?? 1;
    const beta = params.beta ?? 8;
    const temperature = params.temperature ?? 4;
    return tf.tidy(() => {
      const { tckd, nckd } = dkdTerms(inputs, temperature);
      return tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta)) as tf.Scalar;
    });
  },
};
