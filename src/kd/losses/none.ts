// The "student from scratch" baseline: hard labels only, no teacher.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillMethod } from '../types';

export const none: DistillMethod = {
  id: 'none',
  label: 'None (student from scratch)',
  kind: 'none',
  summary: 'Train the student on hard labels only: the baseline every distilled student is compared with.',
  params: [],
  defaultWeight: 0,
  mixing: 'additive',
  layers: { reads: 'logits' },
  compute(): tf.Scalar {
    return tf.scalar(0);
  },
};
