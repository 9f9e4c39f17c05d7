// The pictures of what a loss compares (docs/ARCHITECTURE.md §4.6), built from tensors the loss
// itself computed: the losses with connectors (FitNet, MGD, VID) and UDML, which compares the two
// students' maps entry by entry, draw one pair the same way.
import * as tf from '@tensorflow/tfjs-core';
import type { MatchedPicture } from './types';

/**
 * One connector pair as a picture: the channel means of the student's side (after its connector)
 * and of the teacher's feature (UDML: the peer's map), [B, h, w] each, and `cost`, the loss's
 * per-entry term, averaged over channels. New tensors; the inputs stay the caller's.
 */
export function connectorPicture(
  layer: number,
  student: tf.Tensor4D,
  teacher: tf.Tensor4D,
  cost: tf.Tensor4D,
  captions: { student: string; teacher: string; difference: string },
): MatchedPicture {
  return tf.tidy(() => ({
    kind: 'map' as const,
    layer,
    student: tf.mean(student, 3) as tf.Tensor3D,
    teacher: tf.mean(teacher, 3) as tf.Tensor3D,
    difference: tf.mean(cost, 3) as tf.Tensor3D,
    differenceKind: 'cost' as const,
    captions,
  }));
}
