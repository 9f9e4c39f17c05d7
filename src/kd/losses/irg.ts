// Liu, Cao, Li, Yuan, Hu, Li, Duan 2019, "Knowledge Distillation via Instance Relationship Graph" (CVPR).
// Edge of a layer: E = squared pairwise distances of its per-sample vectors (clamped at 1e-12,
// zero diagonal) divided by their maximum. With z the logits and e the embeddings:
//   loss = wVertex * mse(z_s, z_t) + wEdge * mse(E(e_s), E(e_t))
// and, when exactly two feature-map pairs (f1 before f2) are given, the reference's full form:
//   edge = mean of the three edge MSEs (e, f1, f2), plus wTransform * mse(T_s, T_t) with
//   T = |pool(f1) - halve(f2)|^2 per sample divided by its maximum (f1 pooled to f2's size when
//   larger; f2's channels averaged in (even, odd) pairs when it has more).
// As kd_losses/irg.py of AberHu/Knowledge-Distillation-Zoo (fork Corner430/Knowledge-Distillation-Zoo
// @b8892f6), whose defaults are w_irg_vert 0.1, w_irg_edge 5, w_irg_tran 5; the author's code is Caffe.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, MatchedPicture } from '../types';
import { methodSpec } from '../methods';
import { adaptiveAvgPool2d, detach, flattenSamples, maxWithEvenGradient, meanSquaredError, pairwiseDistances } from '../ops';
import { describeSample, embeddings, featurePairs, type FeaturePair } from '../inputs';

const LABEL = 'IRG';
const EPS = 1e-12;

/** Max-normalised squared pairwise distances between samples (the graph's edges): the loss's and the matched view's. */
export function edges(x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const distances = pairwiseDistances(flattenSamples(x), true, EPS);
    return tf.div(distances, maxWithEvenGradient(distances)) as tf.Tensor2D;
  });
}

/** Per-sample squared distance from the earlier map to the later one, max-normalised. */
function transformation(earlier: tf.Tensor4D, later: tf.Tensor4D, side: string): tf.Tensor1D {
  return tf.tidy(() => {
    let first = earlier;
    let second = later;
    if (first.shape[1] > second.shape[1]) first = adaptiveAvgPool2d(first, second.shape[1], second.shape[2]);
    if (first.shape[3] < second.shape[3] && second.shape[3] % 2 === 0) {
      const [batch, height, width, channels] = second.shape;
      const paired = tf.reshape(second, [batch, height, width, channels / 2, 2]);
      second = tf.mean(paired, 4) as tf.Tensor4D;
    }
    if (first.shape.join() !== second.shape.join()) {
      throw new Error(
        `${LABEL} transformation (${side}): layer 1 ${describeSample(earlier.shape)} and layer 2 ${describeSample(later.shape)} ` +
          'cannot be matched (layer 2 needs the same or half the size of layer 1, and the same or twice its channels)',
      );
    }
    const distances = tf.maximum(tf.sum(tf.square(tf.sub(flattenSamples(first), flattenSamples(second))), 1), EPS);
    return tf.div(distances, maxWithEvenGradient(distances)) as tf.Tensor1D;
  });
}

/** What IRG reads, checked: the logits (of equal shapes), the embeddings, and no or two feature-map pairs. */
function irgInputs(inputs: DistillInputs): { embeddings: [tf.Tensor2D, tf.Tensor2D]; layers: FeaturePair[] } {
  const { studentLogits, teacherLogits } = inputs;
  if (studentLogits.shape.join() !== teacherLogits.shape.join()) {
    throw new Error(`${LABEL}: student logits [${studentLogits.shape}] and teacher logits [${teacherLogits.shape}] differ`);
  }
  const pair = embeddings(inputs, LABEL);
  const layers = (inputs.studentFeatures?.length ?? 0) + (inputs.teacherFeatures?.length ?? 0) > 0 ? featurePairs(inputs, LABEL) : [];
  if (layers.length !== 0 && layers.length !== 2) {
    throw new Error(`${LABEL} uses either no feature layers or exactly two per network (earlier, later); got ${layers.length}`);
  }
  return { embeddings: pair, layers };
}

export const irg: DistillMethod = {
  ...methodSpec('irg'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const wVertex = params.wVertex;
    const wEdge = params.wEdge;
    const wTransform = params.wTransform;
    const { studentLogits, teacherLogits } = inputs;
    const {
      embeddings: [studentEmbedding, teacherEmbedding],
      layers,
    } = irgInputs(inputs);
    return tf.tidy(() => {
      const vertex = meanSquaredError(studentLogits, detach(teacherLogits));
      const edgeLosses = [meanSquaredError(edges(studentEmbedding), edges(detach(teacherEmbedding)))];
      let transform: tf.Scalar | null = null;
      if (layers.length === 2) {
        const [[studentFirst, teacherFirstMap], [studentSecond, teacherSecondMap]] = layers;
        const teacherFirst = detach(teacherFirstMap);
        const teacherSecond = detach(teacherSecondMap);
        edgeLosses.push(meanSquaredError(edges(studentFirst), edges(teacherFirst)));
        edgeLosses.push(meanSquaredError(edges(studentSecond), edges(teacherSecond)));
        transform = meanSquaredError(
          transformation(studentFirst, studentSecond, 'student'),
          transformation(teacherFirst, teacherSecond, 'teacher'),
        );
      }
      const edge = tf.div(tf.addN(edgeLosses), edgeLosses.length);
      let loss = tf.add(tf.mul(vertex, wVertex), tf.mul(edge, wEdge));
      if (transform) loss = tf.add(loss, tf.mul(transform, wTransform));
      return loss as tf.Scalar;
    });
  },
  /** The edge matrices (the embedding's, and each feature layer's when two are given); the vertex and transformation terms are not drawn. */
  matched: {
    over: 'batch',
    pictures(inputs) {
      const {
        embeddings: [studentEmbedding, teacherEmbedding],
        layers,
      } = irgInputs(inputs);
      const caption = (what: string) =>
        `Edges: squared distances between the samples' ${what}, divided by their largest; the edge term is the mean squared difference`;
      return tf.tidy(() => [
        {
          kind: 'relation',
          layer: 'embedding',
          student: edges(studentEmbedding),
          teacher: edges(detach(teacherEmbedding)),
          columns: 'samples',
          caption: caption('embeddings'),
        },
        ...layers.map(
          ([student, teacher], layer): MatchedPicture => ({
            kind: 'relation',
            layer,
            student: edges(student),
            teacher: edges(detach(teacher)),
            columns: 'samples',
            caption: caption(`feature maps (layer pair ${layer + 1})`),
          }),
        ),
      ]);
    },
  },
};
