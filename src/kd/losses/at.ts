// Zagoruyko, Komodakis 2017, "Paying More Attention to Attention" (ICLR).
// a(f) = normalize(mean over channels of f^p, flattened per sample), normalize = x / max(|x|, 1e-12)
// loss = sum over pairs of mean over B*H*W of (a(f_s) - a(f_t))^2
// As RepDistiller Attention (HobbitLong/RepDistiller@b84f547 distiller_zoo/AT.py, p = 2): when the
// heights differ the larger map is adaptive-average-pooled to the smaller (h, h) first; the
// per-pair losses are summed as RepDistiller's training loop does.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, MatchedPicture } from '../types';
import { methodSpec } from '../methods';
import { detach, flattenSamples, meanSquaredError, normalizeRows } from '../ops';
import { featurePairs, poolToSmallerMap } from '../inputs';

const LABEL = 'AT';

/** The attention map of a feature map: L2-normalised channel mean of f^p, one row per sample. */
function attentionMap(feature: tf.Tensor4D, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const powered = p === 2 ? tf.square(feature) : tf.pow(feature, p);
    return normalizeRows(flattenSamples(tf.mean(powered, 3)));
  });
}

/** One pair's attention maps as the loss compares them: [B, h * w] rows at the pair's common (smaller) size h × w. */
export interface AttentionMaps {
  student: tf.Tensor2D;
  teacher: tf.Tensor2D;
  height: number;
  width: number;
}

/** Every pair's attention maps, the teacher detached: what the loss and the matched view read. */
export function attentionMaps(inputs: DistillInputs, p: number): AttentionMaps[] {
  return featurePairs(inputs, LABEL).map(([student, teacher], index) =>
    tf.tidy(() => {
      const [pooledStudent, pooledTeacher] = poolToSmallerMap([student, detach(teacher)], LABEL, index);
      const [, height, width] = pooledStudent.shape;
      return { student: attentionMap(pooledStudent, p), teacher: attentionMap(pooledTeacher, p), height, width };
    }),
  );
}

/** One pair's term, as the reference's at_loss returns it. */
export function attentionPairLosses(inputs: DistillInputs, p: number): tf.Scalar[] {
  return tf.tidy(() => attentionMaps(inputs, p).map((maps) => meanSquaredError(maps.student, maps.teacher)));
}

export const at: DistillMethod = {
  ...methodSpec('at'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const p = params.p;
    return tf.tidy(() => tf.addN(attentionPairLosses(inputs, p)) as tf.Scalar);
  },
  matched: {
    over: 'image',
    pictures: (inputs, params) =>
      tf.tidy(() =>
        attentionMaps(inputs, params.p).map((maps, layer): MatchedPicture => {
          const asImage = (rows: tf.Tensor2D) => tf.reshape(rows, [-1, maps.height, maps.width]) as tf.Tensor3D;
          const student = asImage(maps.student);
          const teacher = asImage(maps.teacher);
          return {
            kind: 'map',
            layer,
            student,
            teacher,
            difference: tf.sub(student, teacher),
            differenceKind: 'signed',
            captions: {
              student: `Student attention map (${maps.height}×${maps.width})`,
              teacher: `Teacher attention map (${maps.height}×${maps.width})`,
              difference: 'Student − teacher: the loss is the mean of its square',
            },
          };
        }),
      ),
  },
};
