// Huang, Wang 2017, "Like What You Like: Knowledge Distill via Neuron Selectivity Transfer".
// Per pair: each channel's map normalised over H*W, f = x / max(|x|, 1e-12);
// k(a, b) = (a . b)^2 for every (channel of a, channel of b) of the same sample;
// loss = mean K(t, t) + mean K(s, s) - 2 mean K(s, t) (an MMD with a degree-2 polynomial kernel),
// summed over pairs. As RepDistiller NSTLoss (HobbitLong/RepDistiller@1e2f816 distiller_zoo/NST.py),
// including its pooling of the larger map to the smaller (h, h) when heights differ.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { detach, normalize } from '../ops';
import { featurePairs, poolToSmallerMap } from '../inputs';

/** [B, H*W, C] with every channel's spatial map L2-normalised. */
function normalizedChannels(feature: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = feature.shape;
    return normalize(tf.reshape(feature, [batch, height * width, channels]) as tf.Tensor3D, 1);
  });
}

/** mean over samples and channel pairs of (a_i . b_j)^2. */
function meanPolyKernel(a: tf.Tensor3D, b: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.matMul(a, b, true, false))) as tf.Scalar);
}

export const nst: DistillMethod = {
  ...methodSpec('nst'),
  compute(inputs: DistillInputs): tf.Scalar {
    return tf.tidy(() => {
      const losses = featurePairs(inputs, 'NST').map(([studentMap, teacherMap], index) => {
        const [pooledStudent, pooledTeacher] = poolToSmallerMap([studentMap, detach(teacherMap)], 'NST', index);
        const student = normalizedChannels(pooledStudent);
        const teacher = normalizedChannels(pooledTeacher);
        return tf.sub(
          tf.add(meanPolyKernel(teacher, teacher), meanPolyKernel(student, student)),
          tf.mul(meanPolyKernel(student, teacher), 2),
        );
      });
      return tf.addN(losses) as tf.Scalar;
    });
  },
};
