// Small random translations, done on the device: pad by `maxShift`, then crop each sample at
// its own integer offset (one gather of whole pixels: exact on every backend); and left-right
// mirrors for colour images.
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

/**
 * Crop each padded sample at its offset as one gather of whole pixels (rows of `channels`
 * values): a copy, so the result is exact on every backend. cropAndResize was used before and
 * was exact on cpu and WebGPU but not on wasm, whose 'nearest' box sampling read a neighbouring
 * pixel.
 */
function shiftEach(images: tf.Tensor4D, pad: number, offsets: [number, number][], height: number, width: number): tf.Tensor4D {
  const [batch, , , channels] = images.shape;
  const paddedHeight = height + 2 * pad;
  const paddedWidth = width + 2 * pad;
  const source = new Int32Array(batch * height * width);
  let at = 0;
  offsets.forEach(([oy, ox], b) => {
    for (let y = 0; y < height; y++) {
      const row = (b * paddedHeight + oy + y) * paddedWidth + ox;
      for (let x = 0; x < width; x++) source[at++] = row + x;
    }
  });
  return tf.tidy(() => {
    const padded = tf.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
    const pixels = tf.reshape(padded, [batch * paddedHeight * paddedWidth, channels]);
    return tf.reshape(tf.gather(pixels, tf.tensor1d(source, 'int32')), [batch, height, width, channels]) as tf.Tensor4D;
  });
}
