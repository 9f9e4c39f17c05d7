// Ahn, Hu, Damianou, Lawrence, Dai 2019, "Variational Information Distillation for Knowledge Transfer" (CVPR).
// mu = conv1x1(ReLU(conv1x1(ReLU(conv1x1(f_s))))) (C_s -> C_t -> C_t -> C_t, no bias);
// var_c = softplus(log_scale_c) + 1e-5, one per teacher channel;
// loss = sum over pairs of mean over B*H*W*C_t of 0.5 * ((mu - f_t)^2 / var + log var).
// As RepDistiller VIDLoss(C_s, C_t, C_t) (HobbitLong/RepDistiller@1e2f816 distiller_zoo/VID.py, the
// author's code): torch's default conv init, log_scale = log(exp(5 - 1e-5) - 1) so the initial
// variance is 5, and the larger map pooled to the smaller (h, h) when heights differ.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod, FeaturePairShape, LearnableParts } from '../types';
import { methodSpec } from '../methods';
import { describeSample, featurePairs, poolToSmallerMap } from '../inputs';
import { applyConv2d, channelsOf, connectorVariables, createConv2d, variableFrom, type Conv2dConnector } from '../connectors';
import { withLearnableParts } from '../learnable';
import { detach } from '../ops';
import { seededRandom } from '../random';

const LABEL = 'VID';
const INITIAL_VARIANCE = 5;
const VARIANCE_EPS = 1e-5;

interface VariationalRegressor {
  studentChannels: number;
  teacherChannels: number;
  convs: [Conv2dConnector, Conv2dConnector, Conv2dConnector];
  logScale: tf.Variable;
}

export interface VidParts extends LearnableParts {
  readonly method: 'vid';
  readonly regressors: readonly VariationalRegressor[];
}

function buildVidParts(pairs: readonly FeaturePairShape[], seed: number, trainable: boolean): VidParts {
  const random = seededRandom(seed);
  const initialLogScale = Math.log(Math.exp(INITIAL_VARIANCE - VARIANCE_EPS) - 1);
  const regressors = pairs.map((pair) => {
    const studentChannels = channelsOf(pair.student);
    const teacherChannels = channelsOf(pair.teacher);
    const middleChannels = teacherChannels; // RepDistiller builds VIDLoss(s, t, t)
    const convs: VariationalRegressor['convs'] = [
      createConv2d(random, studentChannels, middleChannels, 1, false, trainable),
      createConv2d(random, middleChannels, middleChannels, 1, false, trainable),
      createConv2d(random, middleChannels, teacherChannels, 1, false, trainable),
    ];
    const logScale = variableFrom(tf.fill([teacherChannels], initialLogScale), trainable);
    return { studentChannels, teacherChannels, convs, logScale };
  });
  const variables = regressors.flatMap((r) => [...connectorVariables(r.convs), r.logScale]);
  return {
    method: 'vid',
    pairCount: pairs.length,
    regressors,
    variables,
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

export const vid: DistillMethod = {
  ...methodSpec('vid'),
  createLearnable: (pairs, seed) => buildVidParts(pairs, seed, true),
  compute(inputs: DistillInputs): tf.Scalar {
    const pairs = featurePairs(inputs, LABEL);
    return withLearnableParts('vid', LABEL, inputs, pairs, buildVidParts, (parts) =>
      tf.tidy(() => {
        const losses = pairs.map(([student, teacher], index) => {
          const regressor = parts.regressors[index];
          if (student.shape[3] !== regressor.studentChannels || teacher.shape[3] !== regressor.teacherChannels) {
            throw new Error(
              `${LABEL} pair ${index + 1}: the regressor maps ${regressor.studentChannels} to ${regressor.teacherChannels} channels, ` +
                `got student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)}`,
            );
          }
          const [pooledStudent, pooledTeacher] = poolToSmallerMap([student, detach(teacher)], LABEL, index);
          const [first, second, third] = regressor.convs;
          const mean = applyConv2d(third, tf.relu(applyConv2d(second, tf.relu(applyConv2d(first, pooledStudent)))));
          const variance = tf.add(tf.softplus(regressor.logScale), VARIANCE_EPS);
          const negativeLogLikelihood = tf.mul(
            tf.add(tf.div(tf.squaredDifference(mean, pooledTeacher), variance), tf.log(variance)),
            0.5,
          );
          return tf.mean(negativeLogLikelihood);
        });
        return tf.addN(losses) as tf.Scalar;
      }),
    );
  },
};
