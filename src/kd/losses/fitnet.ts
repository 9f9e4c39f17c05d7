// Romero, Ballas, Kahou, Chassang, Gatta, Bengio 2015, "FitNets: Hints for Thin Deep Nets" (ICLR).
// loss = sum over pairs of mean over B*H*W*C_t of (r(f_s) - f_t)^2, r a 1x1 convolution
// (C_s -> C_t, with bias, torch's default init) trained with the student.
// As RepDistiller HintLoss (HobbitLong/RepDistiller@1e2f816 distiller_zoo/FitNet.py: nn.MSELoss).
// Differences: RepDistiller's regressor ConvReg is conv + BatchNorm + ReLU and changes the spatial
// size with strided or transposed convs; here it is one 1x1 conv, and maps of different sizes are
// both adaptive-average-pooled to the smaller height and width first.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, FeaturePairShape, LearnableParts } from '../types';
import { methodSpec } from '../methods';
import { detach, meanSquaredError } from '../ops';
import { featurePairs, poolToCommonSize, type FeaturePair } from '../inputs';
import { connectorPicture } from '../matched';
import { applyConv2d, channelsOf, checkRegressorChannels, connectorVariables, createConv2d, type Conv2dConnector } from '../connectors';
import { withLearnableParts } from '../learnable';
import { seededRandom } from '../random';

const LABEL = 'FitNet';

interface Regressor {
  conv: Conv2dConnector;
  studentChannels: number;
  teacherChannels: number;
}

export interface FitnetParts extends LearnableParts {
  readonly method: 'fitnet';
  readonly regressors: readonly Regressor[];
}

function buildFitnetParts(pairs: readonly FeaturePairShape[], seed: number, trainable: boolean): FitnetParts {
  const random = seededRandom(seed);
  const regressors = pairs.map((pair) => {
    const studentChannels = channelsOf(pair.student);
    const teacherChannels = channelsOf(pair.teacher);
    const conv = createConv2d(random, studentChannels, teacherChannels, 1, true, trainable);
    return { conv, studentChannels, teacherChannels };
  });
  const variables = connectorVariables(regressors.map((r) => r.conv));
  return {
    method: 'fitnet',
    pairCount: pairs.length,
    regressors,
    variables,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/**
 * Each pair as the loss compares it: the regressed student r(f_s) and the teacher (detached),
 * both pooled to the pair's common size. What the loss and the matched view read.
 */
export function regressedPairs(pairs: readonly FeaturePair[], parts: FitnetParts): [regressed: tf.Tensor4D, teacher: tf.Tensor4D][] {
  return pairs.map(([student, teacher], index) => {
    const regressor = parts.regressors[index];
    checkRegressorChannels(LABEL, index, regressor, student.shape, teacher.shape);
    return tf.tidy(() => {
      const [pooledStudent, pooledTeacher] = poolToCommonSize([student, detach(teacher)]);
      return [applyConv2d(regressor.conv, pooledStudent), pooledTeacher];
    });
  });
}

export const fitnet: DistillMethod = {
  ...methodSpec('fitnet'),
  createLearnable: (pairs, seed) => buildFitnetParts(pairs, seed, true),
  compute(inputs: DistillInputs): tf.Scalar {
    const pairs = featurePairs(inputs, LABEL);
    return withLearnableParts('fitnet', LABEL, inputs, pairs, buildFitnetParts, (parts) =>
      tf.tidy(() => {
        const losses = regressedPairs(pairs, parts).map(([regressed, teacher]) => meanSquaredError(regressed, teacher));
        return tf.addN(losses) as tf.Scalar;
      }),
    );
  },
  matched: {
    over: 'image',
    pictures(inputs) {
      const pairs = featurePairs(inputs, LABEL);
      return withLearnableParts('fitnet', LABEL, inputs, pairs, buildFitnetParts, (parts) =>
        tf.tidy(() =>
          regressedPairs(pairs, parts).map(([regressed, teacher], layer) =>
            connectorPicture(layer, regressed, teacher, tf.squaredDifference(regressed, teacher), {
              student: "Student's feature after the regressor r(f_s), channel mean",
              teacher: "Teacher's feature, channel mean",
              difference: '(r(f_s) − f_t)² per position, channel mean: the loss is its mean',
            }),
          ),
        ),
      );
    },
  },
};
