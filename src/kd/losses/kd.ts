// Hinton, Vinyals, Dean 2015, "Distilling the Knowledge in a Neural Network".
// loss = T^2 * sum_{b,c} p_t (log p_t - log p_s) / B, p = softmax(z / T)
// (RepDistiller DistillKL: F.kl_div(log_softmax(s/T), softmax(t/T), size_average=False) * T^2 / B).
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, klDivergenceSum } from '../ops';

export const kd: DistillMethod = {
  ...methodSpec('kd'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const temperature = params.temperature;
    return tf.tidy(() => {
      const batch = inputs.studentLogits.shape[0];
      const logStudent = tf.logSoftmax(tf.div(inputs.studentLogits, temperature));
      // The teacher is a target (the reference computes it under no_grad): no gradient reaches it.
      const logTeacher = tf.logSoftmax(tf.div(detach(inputs.teacherLogits), temperature));
      const sum = klDivergenceSum(logTeacher, logStudent);
      return tf.mul(sum, (temperature * temperature) / batch) as tf.Scalar;
    });
  },
};
