// The "student from scratch" baseline: hard labels only, no teacher.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillMethod } from '../types';
import { methodSpec } from '../methods';

export const none: DistillMethod = {
  ...methodSpec('none'),
  compute(): tf.Scalar {
    return tf.scalar(0);
  },
};
