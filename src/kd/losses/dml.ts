// Zhang, Xiang, Hospedales, Lu 2018, "Deep Mutual Learning" (CVPR).
// For each network: loss = T^2 * sum_{b,c} p_peer (log p_peer - log p_self) / B, p = softmax(z / T),
// i.e. KL(p_peer || p_self) with batchmean reduction: the paper's D_KL(p2 || p1) at T = 1.
// `teacherLogits` holds the peer's logits (detached); both networks train, each with its own CE.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { kd } from './kd';
import { detach } from '../ops';

export const dml: DistillMethod = {
  ...methodSpec('dml'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    // The same KL as Hinton KD, with the peer in the teacher's place; the peer gets no gradient
    // from this term even when both networks run in one taped closure.
    // DML's parameters are KD's (the temperature alone): already resolved for kd.
    return tf.tidy(() => kd.compute({ ...inputs, teacherLogits: detach(inputs.teacherLogits) }, params));
  },
};
