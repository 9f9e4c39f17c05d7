// Yang, Li, Shen, Yuan, Yuan, Zhang 2022, "Masked Generative Distillation" (ECCV).
// s' = align(f_s) (1x1 conv when channel counts differ); M[b, c] = 0 with probability lambdaMgd,
// else 1 (one draw per sample and channel); G = conv3x3(ReLU(conv3x3(s' * M)));
// loss = alphaMgd * sum((G - f_t)^2) / B, summed over pairs.
// As MGDLoss in yzd-v/MGD@046aba2 cls/mmcls/distillation/losses/mgd.py (the classification
// version, defaults alpha_mgd 7e-5, lambda_mgd 0.15, applied there to the last stage only).
// The mask is drawn from `inputs.random` or the parts' own seeded stream, so runs are reproducible.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, FeaturePairShape, LearnableParts } from '../types';
import { methodSpec } from '../methods';
import { describeSample, featurePairs, type FeaturePair } from '../inputs';
import { connectorPicture } from '../matched';
import { applyConv2d, channelsOf, connectorVariables, createConv2d, type Conv2dConnector } from '../connectors';
import { withLearnableParts } from '../learnable';
import { detach } from '../ops';
import { seededRandom } from '../random';

const LABEL = 'MGD';

interface MgdConnector {
  studentChannels: number;
  teacherChannels: number;
  align: Conv2dConnector | null;
  generatorFirst: Conv2dConnector;
  generatorSecond: Conv2dConnector;
}

export interface MgdParts extends LearnableParts {
  readonly method: 'mgd';
  readonly connectors: readonly MgdConnector[];
  /** The stream the channel masks are drawn from when the inputs bring none. */
  readonly random: () => number;
}

function buildMgdParts(pairs: readonly FeaturePairShape[], seed: number, trainable: boolean): MgdParts {
  const random = seededRandom(seed);
  const connectors = pairs.map((pair) => {
    const studentChannels = channelsOf(pair.student);
    const teacherChannels = channelsOf(pair.teacher);
    const align =
      studentChannels !== teacherChannels ? createConv2d(random, studentChannels, teacherChannels, 1, true, trainable) : null;
    const generatorFirst = createConv2d(random, teacherChannels, teacherChannels, 3, true, trainable);
    const generatorSecond = createConv2d(random, teacherChannels, teacherChannels, 3, true, trainable);
    return { studentChannels, teacherChannels, align, generatorFirst, generatorSecond };
  });
  const variables = connectorVariables(
    connectors.flatMap((c) => (c.align ? [c.align, c.generatorFirst, c.generatorSecond] : [c.generatorFirst, c.generatorSecond])),
  );
  // The masks get their own stream, so changing the init does not change the masks.
  const maskRandom = seededRandom((seed ^ 0x5bd1e995) >>> 0);
  return {
    method: 'mgd',
    pairCount: pairs.length,
    connectors,
    random: maskRandom,
    variables,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/** [B, 1, 1, C]: 0 where a uniform draw is below lambda, else 1 (torch.rand((N, C, 1, 1)) order). */
function channelMask(batch: number, channels: number, lambda: number, random: () => number): tf.Tensor4D {
  const values = new Float32Array(batch * channels);
  for (let i = 0; i < values.length; i++) values[i] = random() < lambda ? 0 : 1;
  return tf.tensor4d(values, [batch, 1, 1, channels]);
}

/** The reference's assertion: each pair's maps have the same height and width. */
function checkSameSize(pairs: readonly FeaturePair[]): void {
  pairs.forEach(([student, teacher], index) => {
    if (student.shape[1] !== teacher.shape[1] || student.shape[2] !== teacher.shape[2]) {
      throw new Error(
        `${LABEL} pair ${index + 1}: student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)} ` +
          'must have the same height and width (the reference asserts it); pick layers of the same spatial size',
      );
    }
  });
}

/**
 * Each pair as the loss compares it: G, generated from the aligned student feature under a fresh
 * channel mask (one draw per sample and channel from `random`, in pair order), and the teacher
 * (detached). What the loss and the matched view read.
 */
export function generatedPairs(
  pairs: readonly FeaturePair[],
  parts: MgdParts,
  lambda: number,
  random: () => number,
): [generated: tf.Tensor4D, teacher: tf.Tensor4D][] {
  return pairs.map(([student, teacher], index) => {
    const connector = parts.connectors[index];
    if (student.shape[3] !== connector.studentChannels || teacher.shape[3] !== connector.teacherChannels) {
      throw new Error(
        `${LABEL} pair ${index + 1}: the connector maps ${connector.studentChannels} to ${connector.teacherChannels} channels, ` +
          `got student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)}`,
      );
    }
    return tf.tidy(() => {
      const aligned = connector.align ? applyConv2d(connector.align, student) : student;
      const [batch, , , channels] = teacher.shape;
      const masked = tf.mul(aligned, channelMask(batch, channels, lambda, random)) as tf.Tensor4D;
      const hidden = tf.relu(applyConv2d(connector.generatorFirst, masked));
      return [applyConv2d(connector.generatorSecond, hidden), detach(teacher)];
    });
  });
}

export const mgd: DistillMethod = {
  ...methodSpec('mgd'),
  createLearnable: (pairs, seed) => buildMgdParts(pairs, seed, true),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const alpha = params.alphaMgd;
    const lambda = params.lambdaMgd;
    const pairs = featurePairs(inputs, LABEL);
    checkSameSize(pairs);
    return withLearnableParts('mgd', LABEL, inputs, pairs, buildMgdParts, (parts) =>
      tf.tidy(() => {
        const random = inputs.random ?? parts.random;
        const losses = generatedPairs(pairs, parts, lambda, random).map(([generated, teacher]) =>
          tf.div(tf.sum(tf.squaredDifference(generated, teacher)), teacher.shape[0]),
        );
        return tf.mul(tf.addN(losses), alpha) as tf.Scalar;
      }),
    );
  },
  /**
   * What MGD compares is not the student's feature but G, generated from it under a random channel
   * mask: the picture is G and the teacher, with a mask drawn as the loss draws it (rate lambdaMgd),
   * from `inputs.random` (the matched view passes a fixed stream, so a refresh redraws the same
   * mask) or else the parts' own stream.
   */
  matched: {
    over: 'image',
    pictures(inputs, params) {
      const pairs = featurePairs(inputs, LABEL);
      checkSameSize(pairs);
      return withLearnableParts('mgd', LABEL, inputs, pairs, buildMgdParts, (parts) =>
        tf.tidy(() =>
          generatedPairs(pairs, parts, params.lambdaMgd, inputs.random ?? parts.random).map(([generated, teacher], layer) =>
            connectorPicture(layer, generated, teacher, tf.squaredDifference(generated, teacher), {
              student: `Generated G from the masked student feature (${Math.round(params.lambdaMgd * 100)} % of channels masked on average), channel mean`,
              teacher: "Teacher's feature, channel mean",
              difference: '(G − f_t)² per position, channel mean: the loss is alphaMgd · channels · its sum',
            }),
          ),
        ),
      );
    },
  },
};
