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
import { describeSample, featurePairs, poolToCommonSize } from '../inputs';
import { applyConv2d, channelsOf, connectorVariables, createConv2d, type Conv2dConnector } from '../connectors';
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

export const fitnet: DistillMethod = {
  ...methodSpec('fitnet'),
  createLearnable: (pairs, seed) => buildFitnetParts(pairs, seed, true),
  compute(inputs: DistillInputs): tf.Scalar {
    const pairs = featurePairs(inputs, LABEL);
    return withLearnableParts('fitnet', LABEL, inputs, pairs, buildFitnetParts, (parts) =>
      tf.tidy(() => {
        const losses = pairs.map(([student, teacher], index) => {
          const regressor = parts.regressors[index];
          if (student.shape[3] !== regressor.studentChannels || teacher.shape[3] !== regressor.teacherChannels) {
            throw new Error(
              `${LABEL} pair ${index + 1}: the regressor maps ${regressor.studentChannels} to ${regressor.teacherChannels} channels, ` +
                `got student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)}`,
            );
          }
          const [pooledStudent, pooledTeacher] = poolToCommonSize([student, detach(teacher)]);
          return meanSquaredError(applyConv2d(regressor.conv, pooledStudent), pooledTeacher);
        });
        return tf.addN(losses) as tf.Scalar;
      }),
    );
  },
};
