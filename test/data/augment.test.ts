// Random translations on the device: exact integer shifts with zero fill, seeded.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { flipsApply, randomFlip, randomShift, shiftAll } from '../../src/data/augment';
import { createRng } from '../../src/core/rng';

/** A batch whose pixels are all distinct and non-zero: value = 1 + index. */
function distinctImages(batch: number, height: number, width: number, channels = 1): tf.Tensor4D {
  const size = batch * height * width * channels;
  return tf.tensor4d(Float32Array.from({ length: size }, (_, i) => 1 + i), [batch, height, width, channels]);
}

/** out[y][x] = in[y - dy][x - dx], zero where that falls outside. */
function referenceShift(values: number[][][][], dy: number, dx: number): number[][][][] {
  return values.map((image) =>
    image.map((row, y) =>
      row.map((pixel, x) => {
        const sy = y - dy;
        const sx = x - dx;
        return sy >= 0 && sy < image.length && sx >= 0 && sx < row.length ? image[sy][sx] : pixel.map(() => 0);
      }),
    ),
  );
}

describe('shiftAll', () => {
  it('shifts by (1, 0): every row moves down one, the top row is zeros', () => {
    const images = distinctImages(2, 5, 4);
    const shifted = shiftAll(images, 1, 0);
    const input = images.arraySync();
    const output = shifted.arraySync();
    for (let b = 0; b < 2; b++) {
      for (let x = 0; x < 4; x++) expect(output[b][0][x][0]).toBe(0);
      for (let y = 1; y < 5; y++) for (let x = 0; x < 4; x++) expect(output[b][y][x][0]).toBe(input[b][y - 1][x][0]);
    }
    tf.dispose([images, shifted]);
  });

  it('matches the reference for several shifts, odd sizes and several channels, exactly', () => {
    const images = distinctImages(3, 7, 5, 2);
    const input = images.arraySync();
    for (const [dy, dx] of [
      [0, 1],
      [-1, 0],
      [2, -1],
      [-2, 2],
      [0, 0],
    ]) {
      const shifted = shiftAll(images, dy, dx);
      expect(shifted.shape).toEqual([3, 7, 5, 2]);
      expect(shifted.arraySync()).toEqual(referenceShift(input, dy, dx));
      shifted.dispose();
    }
    images.dispose();
  });

  it('is exact on 28x28 images too (MNIST size, the widest float32 box coordinates)', () => {
    const images = distinctImages(2, 28, 28);
    const input = images.arraySync();
    for (const [dy, dx] of [
      [2, -2],
      [-1, 1],
    ]) {
      const shifted = shiftAll(images, dy, dx);
      expect(shifted.arraySync()).toEqual(referenceShift(input, dy, dx));
      shifted.dispose();
    }
    images.dispose();
  });
});

describe('randomShift', () => {
  it('keeps the shape, and shifts each sample by some offset within ±maxShift', () => {
    const images = distinctImages(6, 8, 8);
    const input = images.arraySync();
    const shifted = randomShift(images, 2, createRng(3));
    expect(shifted.shape).toEqual([6, 8, 8, 1]);
    const output = shifted.arraySync();
    const offsets = new Set<string>();
    for (let b = 0; b < 6; b++) {
      let match: string | null = null;
      for (let dy = -2; dy <= 2 && !match; dy++) {
        for (let dx = -2; dx <= 2 && !match; dx++) {
          if (JSON.stringify(referenceShift([input[b]], dy, dx)[0]) === JSON.stringify(output[b])) match = `${dy},${dx}`;
        }
      }
      expect(match).not.toBeNull();
      offsets.add(match!);
    }
    expect(offsets.size).toBeGreaterThan(1); // each sample draws its own offset
    tf.dispose([images, shifted]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const images = distinctImages(8, 6, 6);
    const a = randomShift(images, 2, createRng(11));
    const b = randomShift(images, 2, createRng(11));
    const c = randomShift(images, 2, createRng(12));
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    tf.dispose([images, a, b, c]);
  });

  it('leaks no tensors', () => {
    const images = distinctImages(4, 6, 6);
    const before = tf.memory().numTensors;
    const shifted = randomShift(images, 1, createRng(1));
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([images, shifted]);
  });
});

describe('randomFlip (colour images only)', () => {
  it('mirrors left-right exactly the samples whose draw is below 1/2, keeps the others, and is seeded', () => {
    const images = distinctImages(16, 3, 4, 3);
    const draws = Array.from({ length: 16 }, createRng(5));
    const flipped = randomFlip(images, createRng(5));
    const input = images.arraySync();
    const output = flipped.arraySync();
    let mirrored = 0;
    for (let i = 0; i < 16; i++) {
      const expected = draws[i] < 0.5 ? input[i].map((row) => [...row].reverse()) : input[i];
      expect(output[i]).toEqual(expected);
      if (draws[i] < 0.5) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(0);
    expect(mirrored).toBeLessThan(16);
    expect(randomFlip(images, createRng(5)).arraySync()).toEqual(output);
    tf.dispose([images, flipped]);
  });

  it('applies to colour images, never to grey ones (a mirrored digit is another glyph)', () => {
    expect(flipsApply([32, 32, 3])).toBe(true);
    expect(flipsApply([28, 28, 1])).toBe(false);
    expect(flipsApply([8, 8, 1])).toBe(false);
  });
});
