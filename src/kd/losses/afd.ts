// Ji, Heo, Park 2021, "Show, Attend and Distill: Knowledge Distillation via Attention-based
// Feature Matching" (AAAI). Every chosen teacher layer t is matched with every chosen student
// layer s, weighted by a learned attention:
//   value_t = normalize(mean_c f_t^2)                       (teacher's spatial energy, flattened)
//   value_ts = normalize(pool_{H_t, W_t}(mean_c f_s^2))    (the student's, pooled to t's size)
//   query_t = BN(W_q,t mean_hw f_t)                         (per teacher layer, qk = 128)
//   key_s = ReLU(BN(W_k,s mean_hw f_s));  K_s = BN(W_b key_s) viewed as T vectors K_s,t
//   logit[b, t, s] = (K_s,t . query_t + p_t . p_s) / sqrt(qk),  att = softmax over s
//   d[b, t, s] = mean over positions of (value_ts - value_t)^2
//   loss = sum_t mean_b sum_s att[b, t, s] * d[b, t, s]
// As PaddleClas AFDLoss (PaddlePaddle/PaddleClas@0ba719d204c0dc646707867795514d64e05bc790
// ppcls/loss/afdloss.py, Attention) with its LinearTransformTeacher / LinearTransformStudent
// (PaddlePaddle/PaddleClas@3c8f4910923aa0f3a67740d01533339eff07865a ppcls/arch/distill/afd_attention.py),
// a port of the authors' code (clovaai/attention-feature-distillation@42a3077e73ab13629a3042e1fa61e437ff1223e5
// distill/AFD.py); qk_dim 128 and the loss weight 50 from PaddleClas' config
// (ppcls/configs/ImageNet/Distillation/resnet34_distill_resnet18_afd.yaml).
// The learned parts (keys, bilinear map and queries: Linear + BatchNorm1d, then p_t, p_s) are
// trained with the student, built from the seeded stream: the Linear weights as torch's default
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)), p_t and p_s xavier_normal, BatchNorm's scale 1 and shift 0;
// BatchNorm normalises with the batch's statistics (training mode), the bilinear map's over the
// B * S rows of all student layers together, as the reference's view does.
// Differences: the reference's Linear biases are left out, and so is the shift of the bilinear
// map's BatchNorm: a bias before a training-mode BatchNorm is subtracted with the batch mean, and
// that shift adds the same amount to every student layer's logit, which the softmax ignores; none
// of them can change the loss or get a gradient. The teacher's query layers belong to the loss
// here (PaddleClas trains them beside its frozen teacher). The lab pairs as many student as teacher
// layers (its layer lists pair by position; the reference takes any counts) and asks for two or
// more (the method table's minPairs): with one pair the attention is 1 and nothing is learned.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, FeaturePairShape, LearnableParts, MatchedPicture } from '../types';
import { methodSpec } from '../methods';
import { describeSample, featurePairs } from '../inputs';
import { channelsOf, variableFrom } from '../connectors';
import { withLearnableParts } from '../learnable';
import { adaptiveAvgPool2d, detach, normalize } from '../ops';
import { normalValues, seededRandom, uniformValues } from '../random';

const LABEL = 'AFD';
/** The queries' and keys' width (PaddleClas and the authors' default qk_dim). */
export const AFD_QK_DIM = 128;
const BATCH_NORM_EPS = 1e-5;

/** A Linear layer without bias ([in, out], tfjs' layout) followed by a training-mode BatchNorm1d. */
export interface LinearBatchNorm {
  kernel: tf.Variable;
  scale: tf.Variable;
  /** null for the bilinear map, whose shift cannot change the loss (see the header). */
  shift: tf.Variable | null;
}

export interface AfdParts extends LearnableParts {
  readonly method: 'afd';
  /** Per student layer: C_s -> qk, ReLU after the BatchNorm. */
  readonly keys: readonly LinearBatchNorm[];
  /** qk -> qk * T: each key as one vector per teacher layer. */
  readonly bilinear: LinearBatchNorm;
  /** Per teacher layer: C_t -> qk. */
  readonly queries: readonly LinearBatchNorm[];
  /** p_t [T, qk] and p_s [S, qk]: which layer pairs the attention favours whatever the sample. */
  readonly teacherPositions: tf.Variable;
  readonly studentPositions: tf.Variable;
  readonly studentChannels: readonly number[];
  readonly teacherChannels: readonly number[];
}

function createLinearBatchNorm(random: () => number, inputs: number, outputs: number, withShift: boolean, trainable: boolean): LinearBatchNorm {
  const kernel = variableFrom(tf.tensor2d(uniformValues(random, inputs * outputs, 1 / Math.sqrt(inputs)), [inputs, outputs]), trainable);
  const scale = variableFrom(tf.ones([outputs]), trainable);
  const shift = withShift ? variableFrom(tf.zeros([outputs]), trainable) : null;
  return { kernel, scale, shift };
}

/** torch.nn.init.xavier_normal_ on a [rows, cols] matrix: std = sqrt(2 / (rows + cols)). */
function xavierNormal(random: () => number, rows: number, cols: number, trainable: boolean): tf.Variable {
  return variableFrom(tf.tensor2d(normalValues(random, rows * cols, Math.sqrt(2 / (rows + cols))), [rows, cols]), trainable);
}

const layerVariables = (layer: LinearBatchNorm): tf.Variable[] => (layer.shift ? [layer.kernel, layer.scale, layer.shift] : [layer.kernel, layer.scale]);

/** The draws in the reference's order of construction: keys, bilinear map, queries, p_t, p_s. */
function buildAfdParts(pairs: readonly FeaturePairShape[], seed: number, trainable: boolean): AfdParts {
  const random = seededRandom(seed);
  const studentChannels = pairs.map((pair) => channelsOf(pair.student));
  const teacherChannels = pairs.map((pair) => channelsOf(pair.teacher));
  const keys = studentChannels.map((channels) => createLinearBatchNorm(random, channels, AFD_QK_DIM, true, trainable));
  const bilinear = createLinearBatchNorm(random, AFD_QK_DIM, AFD_QK_DIM * teacherChannels.length, false, trainable);
  const queries = teacherChannels.map((channels) => createLinearBatchNorm(random, channels, AFD_QK_DIM, true, trainable));
  const teacherPositions = xavierNormal(random, teacherChannels.length, AFD_QK_DIM, trainable);
  const studentPositions = xavierNormal(random, studentChannels.length, AFD_QK_DIM, trainable);
  const variables = [...keys.flatMap(layerVariables), ...layerVariables(bilinear), ...queries.flatMap(layerVariables), teacherPositions, studentPositions];
  return {
    method: 'afd',
    pairCount: pairs.length,
    keys,
    bilinear,
    queries,
    teacherPositions,
    studentPositions,
    studentChannels,
    teacherChannels,
    variables,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/** x W, then BatchNorm1d in training mode: (y - mean) / sqrt(var + 1e-5) * scale + shift over the rows (biased variance). */
function applyLinearBatchNorm(layer: LinearBatchNorm, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.matMul(x, layer.kernel as tf.Tensor2D);
    const { mean, variance } = tf.moments(y, 0);
    const normalized = tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, BATCH_NORM_EPS))), layer.scale);
    return (layer.shift ? tf.add(normalized, layer.shift) : normalized) as tf.Tensor2D;
  });
}

/** [B, H, W, 1]: the mean over channels of the squared activations (AT's spatial energy). */
const spatialEnergy = (map: tf.Tensor4D): tf.Tensor4D => tf.mean(tf.square(map), 3, true) as tf.Tensor4D;
/** [B, H * W], each row L2-normalised (torch's F.normalize, eps 1e-12). */
const normalizedRows = (energy: tf.Tensor4D): tf.Tensor2D => normalize(tf.reshape(energy, [energy.shape[0], -1]) as tf.Tensor2D, 1);

/** What AFD compares: for each sample, teacher layer t and student layer s, the attention and the distance it weighs. */
export interface AfdMatching {
  /** [B, T, S]: softmax over the student layers; each row sums to 1. */
  attention: tf.Tensor3D;
  /** [B, T, S]: mean over t's positions of the squared difference of the normalised energy maps (the student's pooled to t's size). */
  distances: tf.Tensor3D;
}

/**
 * AFD's matched quantities for student maps `students` (S of them) and teacher maps `teachers` (T),
 * NHWC, with `parts` built for those channel counts: the attention of every teacher layer over
 * the student layers and the distance of every pair. The loss is sum(attention * distances) / B;
 * a view can draw both. No side effects; the caller owns the two tensors (detach the teacher
 * first where gradients matter).
 */
export function afdMatching(students: readonly tf.Tensor4D[], teachers: readonly tf.Tensor4D[], parts: AfdParts): AfdMatching {
  return tf.tidy(() => {
    const batch = students[0].shape[0];
    const [studentCount, teacherCount] = [students.length, teachers.length];
    const channelMean = (map: tf.Tensor4D) => tf.mean(map, [1, 2]) as tf.Tensor2D;
    // Queries [B, T, qk]; keys [B * S, qk] (sample-major, as the reference's stack and view).
    const query = tf.stack(teachers.map((map, t) => applyLinearBatchNorm(parts.queries[t], channelMean(map))), 1);
    const key = tf.reshape(
      tf.stack(students.map((map, s) => tf.relu(applyLinearBatchNorm(parts.keys[s], channelMean(map)))), 1),
      [batch * studentCount, AFD_QK_DIM],
    ) as tf.Tensor2D;
    // [B, S, T, qk] -> [B, T, S, qk], dotted with each teacher layer's query.
    const bilinearKey = tf.transpose(tf.reshape(applyLinearBatchNorm(parts.bilinear, key), [batch, studentCount, teacherCount, AFD_QK_DIM]), [0, 2, 1, 3]);
    const content = tf.sum(tf.mul(bilinearKey, tf.expandDims(query, 2)), 3);
    const positional = tf.matMul(parts.teacherPositions as tf.Tensor2D, parts.studentPositions as tf.Tensor2D, false, true); // [T, S]
    const attention = tf.softmax(tf.div(tf.add(content, positional), Math.sqrt(AFD_QK_DIM)), -1) as tf.Tensor3D;

    const studentEnergy = students.map(spatialEnergy);
    const distances = tf.stack(
      teachers.map((map) => {
        const [height, width] = [map.shape[1], map.shape[2]];
        const teacherValue = tf.expandDims(normalizedRows(spatialEnergy(map)), 1); // [B, 1, HW]
        const studentValues = tf.stack(studentEnergy.map((energy) => normalizedRows(adaptiveAvgPool2d(energy, height, width))), 1); // [B, S, HW]
        // square(sub) rather than squaredDifference, whose gradient does not reduce a broadcast input.
        return tf.mean(tf.square(tf.sub(studentValues, teacherValue)), 2); // [B, S]
      }),
      1,
    ) as tf.Tensor3D;
    return { attention, distances };
  });
}

function checkChannels(pairs: readonly (readonly [tf.Tensor4D, tf.Tensor4D])[], parts: AfdParts): void {
  pairs.forEach(([student, teacher], index) => {
    if (student.shape[3] !== parts.studentChannels[index] || teacher.shape[3] !== parts.teacherChannels[index]) {
      throw new Error(
        `${LABEL} pair ${index + 1}: the key and query layers take ${parts.studentChannels[index]} and ${parts.teacherChannels[index]} channels, ` +
          `got student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)}`,
      );
    }
  });
}

/** The run's pairs matched through its learned parts (teacher detached), handed to `use` inside one tidy: the loss and its picture read the same matching. */
function withMatching<T extends tf.TensorContainer>(inputs: DistillInputs, use: (matching: ReturnType<typeof afdMatching>) => T): T {
  const pairs = featurePairs(inputs, LABEL);
  return withLearnableParts('afd', LABEL, inputs, pairs, buildAfdParts, (parts) =>
    tf.tidy(() => {
      checkChannels(pairs, parts);
      return use(afdMatching(pairs.map(([student]) => student), pairs.map(([, teacher]) => detach(teacher)), parts));
    }),
  );
}

export const afd: DistillMethod = {
  ...methodSpec('afd'),
  createLearnable: (pairs, seed) => buildAfdParts(pairs, seed, true),
  compute(inputs: DistillInputs): tf.Scalar {
    return withMatching(inputs, ({ attention, distances }) => tf.div(tf.sum(tf.mul(attention, distances)), attention.shape[0]) as tf.Scalar);
  },
  // What AFD matches (docs/ARCHITECTURE.md §4.6): on a batch, since its queries and keys are
  // batch-normalised with the batch's statistics (one image alone would normalise them to 0).
  matched: {
    over: 'batch',
    pictures(inputs) {
      return withMatching(inputs, ({ attention, distances }) => {
          const picture: MatchedPicture = {
            kind: 'layer-pairs',
            attention: tf.mean(attention, 0) as tf.Tensor2D,
            distance: tf.mean(distances, 0) as tf.Tensor2D,
            weighted: tf.mean(tf.mul(attention, distances), 0) as tf.Tensor2D,
            captions: {
              attention: 'Attention of each teacher layer (row) over the student layers (columns), batch mean: each row sums to 1',
              distance: "Distance of each pair: mean over the teacher layer's positions of the squared difference of the normalised energy maps (the student's pooled to its size), batch mean",
              weighted: 'Attention × distance per sample, batch mean: the term is the sum of its entries',
            },
          };
          return [picture];
      });
    },
  },
};
