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
import { featurePairs, poolToSmallerMap, type FeaturePair } from '../inputs';
import { connectorPicture } from '../matched';
import { applyConv2d, channelsOf, checkRegressorChannels, connectorVariables, createConv2d, variableFrom, type Conv2dConnector } from '../connectors';
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

/** One pair as the loss compares it: the regressor's mean mu, the teacher (detached, pooled) and the variance per teacher channel. */
export interface VariationalPair {
  mean: tf.Tensor4D;
  teacher: tf.Tensor4D;
  variance: tf.Tensor1D;
}

/** Every pair's mean, teacher and variance: what the loss and the matched view read. */
export function variationalPairs(pairs: readonly FeaturePair[], parts: VidParts): VariationalPair[] {
  return pairs.map(([student, teacher], index) => {
    const regressor = parts.regressors[index];
    checkRegressorChannels(LABEL, index, regressor, student.shape, teacher.shape);
    return tf.tidy(() => {
      const [pooledStudent, pooledTeacher] = poolToSmallerMap([student, detach(teacher)], LABEL, index);
      const [first, second, third] = regressor.convs;
      const mean = applyConv2d(third, tf.relu(applyConv2d(second, tf.relu(applyConv2d(first, pooledStudent)))));
      const variance = tf.add(tf.softplus(regressor.logScale), VARIANCE_EPS) as tf.Tensor1D;
      return { mean, teacher: pooledTeacher, variance };
    });
  });
}

/** The loss's per-entry term 0.5 * ((mu - f_t)^2 / var + log var); the loss is its mean. */
export function negativeLogLikelihood({ mean, teacher, variance }: VariationalPair): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.add(tf.div(tf.squaredDifference(mean, teacher), variance), tf.log(variance)), 0.5) as tf.Tensor4D);
}

export const vid: DistillMethod = {
  ...methodSpec('vid'),
  createLearnable: (pairs, seed) => buildVidParts(pairs, seed, true),
  compute(inputs: DistillInputs): tf.Scalar {
    const pairs = featurePairs(inputs, LABEL);
    return withLearnableParts('vid', LABEL, inputs, pairs, buildVidParts, (parts) =>
      tf.tidy(() => {
        const losses = variationalPairs(pairs, parts).map((pair) => tf.mean(negativeLogLikelihood(pair)));
        return tf.addN(losses) as tf.Scalar;
      }),
    );
  },
  matched: {
    over: 'image',
    pictures(inputs) {
      const pairs = featurePairs(inputs, LABEL);
      return withLearnableParts('vid', LABEL, inputs, pairs, buildVidParts, (parts) =>
        tf.tidy(() =>
          variationalPairs(pairs, parts).map((pair, layer) =>
            connectorPicture(layer, pair.mean, pair.teacher, negativeLogLikelihood(pair), {
              student: "The regressor's mean μ of the teacher's feature given the student's, channel mean",
              teacher: "Teacher's feature, channel mean",
              difference: '½((μ − f_t)²/σ² + log σ²) per position, channel mean: the loss is its mean',
            }),
          ),
        ),
      );
    },
  },
};
