// Trainable convolutions that belong to a loss (FitNet's regressor, MGD's align conv and
// generator, VID's regressor), initialised like torch.nn.Conv2d from a seeded stream.
import * as tf from '@tensorflow/tfjs-core';
import { uniformValues } from './random';
import { describeSample } from './inputs';

export interface Conv2dConnector {
  /** [k, k, in, out] (tfjs layout). */
  kernel: tf.Variable;
  bias: tf.Variable | null;
}

/**
 * torch.nn.Conv2d's default init: kaiming_uniform(a=sqrt(5)) on the kernel and the bias both
 * reduce to U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in * k * k.
 */
export function createConv2d(
  random: () => number,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  withBias: boolean,
  trainable: boolean,
): Conv2dConnector {
  const fanIn = inChannels * kernelSize * kernelSize;
  const bound = 1 / Math.sqrt(fanIn);
  const kernelValues = uniformValues(random, kernelSize * kernelSize * inChannels * outChannels, bound);
  const kernel = variableFrom(tf.tensor4d(kernelValues, [kernelSize, kernelSize, inChannels, outChannels]), trainable);
  const bias = withBias ? variableFrom(tf.tensor1d(uniformValues(random, outChannels, bound)), trainable) : null;
  return { kernel, bias };
}

/** A variable holding `initial`'s values; `initial` is consumed. */
export function variableFrom(initial: tf.Tensor, trainable: boolean): tf.Variable {
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

/** Stride 1, 'same' padding: for k = 3 that is torch's padding=1, for k = 1 no padding. */
export function applyConv2d(conv: Conv2dConnector, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.conv2d(x, conv.kernel as tf.Tensor4D, 1, 'same');
    return conv.bias ? (tf.add(y, conv.bias) as tf.Tensor4D) : y;
  });
}

export function connectorVariables(convs: readonly Conv2dConnector[]): tf.Variable[] {
  return convs.flatMap((conv) => (conv.bias ? [conv.kernel, conv.bias] : [conv.kernel]));
}

/** The channel count of an NHWC shape given with or without its batch dimension. */
export function channelsOf(shape: readonly number[]): number {
  const channels = shape[shape.length - 1];
  if (!Number.isInteger(channels) || channels <= 0) throw new Error(`Not an NHWC shape: [${shape.join(',')}]`);
  return channels;
}

/** A pair's maps against the channels its regressor was built for (FitNet, VID): the error names both. */
export function checkRegressorChannels(
  label: string,
  index: number,
  regressor: { studentChannels: number; teacherChannels: number },
  student: readonly number[],
  teacher: readonly number[],
): void {
  if (student[3] === regressor.studentChannels && teacher[3] === regressor.teacherChannels) return;
  throw new Error(
    `${label} pair ${index + 1}: the regressor maps ${regressor.studentChannels} to ${regressor.teacherChannels} channels, ` +
      `got student ${describeSample(student)} and teacher ${describeSample(teacher)}`,
  );
}
