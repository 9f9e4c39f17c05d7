// Small random translations, done on the device: pad by `maxShift`, then crop each sample at
// its own integer offset with cropAndResize. 'nearest', not 'bilinear': the box corners are not
// exact in float32, and bilinear then blends ~1e-7 of the neighbouring pixel into every value.
import * as tf from '@tensorflow/tfjs-core';
import { randomInt } from '../core/rng';

export function randomShift(images: tf.Tensor4D, maxShift: number, rng: () => number): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const offsets: [number, number][] = [];
  for (let i = 0; i < batch; i++) offsets.push([randomInt(rng, 2 * maxShift + 1), randomInt(rng, 2 * maxShift + 1)]);
  return shiftEach(images, maxShift, offsets, height, width);
}

/**
 * Mirror each sample left-right with probability 1/2 (one draw of `rng` a sample): the usual
 * augmentation of natural images (CIFAR), never of digits, whose mirror image is another glyph.
 */
export function randomFlip(images: tf.Tensor4D, rng: () => number): tf.Tensor4D {
  const flips = Array.from({ length: images.shape[0] }, () => rng() < 0.5);
  return tf.tidy(() => tf.where(tf.tensor4d(flips, [flips.length, 1, 1, 1], 'bool'), tf.reverse(images, 2), images));
}

/** Whether a dataset's images are natural ones that a left-right mirror leaves valid: colour images. */
export function flipsApply(inputShape: readonly [number, number, number]): boolean {
  return inputShape[2] === 3;
}

/** Shift every sample by the same (dy, dx) pixels, filling with zeros. */
export function shiftAll(images: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const maxShift = Math.max(Math.abs(dy), Math.abs(dx));
  if (maxShift === 0) return tf.clone(images);
  const offsets: [number, number][] = Array.from({ length: batch }, () => [maxShift - dy, maxShift - dx]);
  return shiftEach(images, maxShift, offsets, height, width);
}

function shiftEach(images: tf.Tensor4D, pad: number, offsets: [number, number][], height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = tf.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
    const paddedHeight = height + 2 * pad - 1;
    const paddedWidth = width + 2 * pad - 1;
    const boxes = offsets.map(([oy, ox]) => [
      oy / paddedHeight,
      ox / paddedWidth,
      (oy + height - 1) / paddedHeight,
      (ox + width - 1) / paddedWidth,
    ]);
    const boxIndices = offsets.map((_, i) => i);
    return tf.image.cropAndResize(padded, tf.tensor2d(boxes), tf.tensor1d(boxIndices, 'int32'), [height, width], 'nearest');
  });
}
