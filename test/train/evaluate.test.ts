// Test-time augmentation and the teacher's evaluation: TTA probabilities against a hand
// computation on tiny inputs (shifted views built here, zero fill, softmax averaged), shift 0 as
// the plain prediction, and no tensor left behind.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadSplit, disposeSplit } from '../../src/data/device';
import { getArchitecture } from '../../src/models/architectures';
import { evaluateTeacher, predictWithTta, ttaOffsets, ttaProbabilities } from '../../src/train/evaluate';
import { evaluatePredictions } from '../../src/train/metrics';
import type { RunData } from '../../src/train/runTypes';
import { evaluateModel, predictClasses } from '../../src/train/evaluate';
import { CLASSES, disposeData, SHAPE, syntheticData } from './fixtures';

/** A linear classifier on H x W x 1 images with the given kernel (pixel-major) and bias. */
function linearModel(height: number, width: number, kernel: number[][], bias: number[]): tfl.LayersModel {
  const classes = bias.length;
  const model = tfl.sequential({
    layers: [tfl.layers.flatten({ inputShape: [height, width, 1] }), tfl.layers.dense({ units: classes })],
  });
  model.layers[1].setWeights([tf.tensor2d(kernel, [height * width, classes]), tf.tensor1d(bias)]);
  return model;
}

/** The image moved by (dy, dx) pixels: out[y][x] = in[y - dy][x - dx], zeros where that is outside. */
function shiftByHand(image: number[], height: number, width: number, dy: number, dx: number): number[] {
  const out = new Array<number>(height * width).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = y - dy;
      const sx = x - dx;
      if (sy >= 0 && sy < height && sx >= 0 && sx < width) out[y * width + x] = image[sy * width + sx];
    }
  }
  return out;
}

function softmaxByHand(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function logitsByHand(image: number[], kernel: number[][], bias: number[]): number[] {
  return bias.map((b, c) => image.reduce((sum, pixel, p) => sum + pixel * kernel[p][c], b));
}

/** The mean softmax over the image and its shifts by ±s along x and along y, all by hand. */
function ttaByHand(image: number[], height: number, width: number, kernel: number[][], bias: number[], s: number): number[] {
  const views = [
    [0, 0],
    [0, s],
    [0, -s],
    [s, 0],
    [-s, 0],
  ].map(([dy, dx]) => softmaxByHand(logitsByHand(shiftByHand(image, height, width, dy, dx), kernel, bias)));
  return bias.map((_, c) => views.reduce((sum, p) => sum + p[c], 0) / views.length);
}

/** Small deterministic values in [-1, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 4294967296) * 2 - 1;
  };
}

describe('TTA views', () => {
  it('are the image and ±s along x and y; only the image at shift 0', () => {
    expect(ttaOffsets(2)).toEqual([[0, 0], [0, 2], [0, -2], [2, 0], [-2, 0]]);
    expect(ttaOffsets(0)).toEqual([[0, 0]]);
  });
});

describe('ttaProbabilities', () => {
  it.each([1, 2, 3])('equals the mean softmax over 5 views shifted by hand with zero fill (5x6 images, shift %i)', (shift) => {
    const [height, width, classes] = [5, 6, 3];
    const random = lcg(17 + shift);
    const kernel = Array.from({ length: height * width }, () => Array.from({ length: classes }, () => 2 * random()));
    const bias = [0.1, -0.2, 0.05];
    const model = linearModel(height, width, kernel, bias);
    const images = Array.from({ length: 4 }, () => Array.from({ length: height * width }, () => random()));
    const batch = tf.tensor4d(images.flat(), [4, height, width, 1]);
    const probabilities = ttaProbabilities(model, batch, shift);
    const got = probabilities.arraySync() as number[][];
    images.forEach((image, i) => {
      const expected = ttaByHand(image, height, width, kernel, bias, shift);
      expected.forEach((value, c) => expect(got[i][c]).toBeCloseTo(value, 6));
      // Not the plain prediction: the test would not notice a missing shift otherwise.
      const plain = softmaxByHand(logitsByHand(image, kernel, bias));
      expect(Math.max(...plain.map((value, c) => Math.abs(value - expected[c])))).toBeGreaterThan(1e-3);
    });
    tf.dispose([batch, probabilities]);
    model.dispose();
  });

  it('is the plain softmax at shift 0', () => {
    const model = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 3);
    const images = tf.randomUniform([6, ...SHAPE], 0, 1, 'float32', 5) as tf.Tensor4D;
    const tta = ttaProbabilities(model, images, 0);
    const plain = tf.softmax(model.predict(images) as tf.Tensor2D);
    expect(tf.max(tf.abs(tf.sub(tta, plain))).dataSync()[0]).toBeLessThan(1e-7);
    tf.dispose([images, tta, plain]);
    model.dispose();
  });
});

describe('predictWithTta', () => {
  // One lit pixel in the centre of a 5x5 image. Class 0 reads the centre (logit 3), class 1 its
  // four neighbours (logit 2 each). Plain: [3, 0] -> class 0. Shift 1: the four shifted views
  // light a neighbour ([0, 2]); mean p1 = (1/(1+e^3) + 4 e^2/(1+e^2)) / 5 = 0.714 -> class 1.
  // Shift 2: the shifted views light nothing the model reads ([0, 0]); mean p1 = 0.409 -> class 0.
  const [height, width] = [5, 5];
  const centre = 2 * width + 2;
  const neighbours = [1 * width + 2, 3 * width + 2, 2 * width + 1, 2 * width + 3];
  const kernel = Array.from({ length: 25 }, (_, p) => [p === centre ? 3 : 0, neighbours.includes(p) ? 2 : 0]);
  const image = Array.from({ length: 25 }, (_, p) => (p === centre ? 1 : 0));

  it('changes a translation-sensitive prediction the way the hand computation says', async () => {
    const model = linearModel(height, width, kernel, [0, 0]);
    // Three samples (batch 2: the last batch is padded), the same image each time.
    const split = uploadSplit({ images: Float32Array.from([...image, ...image, ...image]), labels: Int32Array.from([1, 1, 1]), count: 3 }, [height, width, 1]);
    const p1 = (1 / (1 + Math.exp(3)) + (4 * Math.exp(2)) / (1 + Math.exp(2))) / 5;
    expect(p1).toBeCloseTo(ttaByHand(image, height, width, kernel, [0, 0], 1)[1], 12);
    expect(p1).toBeGreaterThan(0.5);
    expect(ttaByHand(image, height, width, kernel, [0, 0], 2)[1]).toBeLessThan(0.5);

    expect(Array.from(await predictWithTta(model, split, 0, 2))).toEqual([0, 0, 0]);
    expect(Array.from(await predictWithTta(model, split, 1, 2))).toEqual([1, 1, 1]);
    expect(Array.from(await predictWithTta(model, split, 2, 2))).toEqual([0, 0, 0]);
    disposeSplit(split);
    model.dispose();
  });

  it('at shift 0 gives exactly the plain predicted classes', async () => {
    const data = syntheticData(8, 37);
    const model = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 8);
    const plain = await predictClasses(model, data.test, 16);
    expect(await predictWithTta(model, data.test, 0, 16)).toEqual(plain);
    expect(new Set(plain).size).toBeGreaterThan(1); // an untrained net that still tells samples apart
    disposeData(data);
    model.dispose();
  });

  it('refuses a negative or fractional shift', async () => {
    const data = syntheticData(8, 4);
    const model = getArchitecture('mlp').build(SHAPE, CLASSES, 1);
    await expect(predictWithTta(model, data.test, -1, 4)).rejects.toThrow(/TTA shift/);
    await expect(predictWithTta(model, data.test, 1.5, 4)).rejects.toThrow(/TTA shift/);
    disposeData(data);
    model.dispose();
  });
});

describe('evaluateTeacher', () => {
  let data: RunData;
  let teacher: tfl.LayersModel;

  beforeAll(() => {
    data = syntheticData(16, 40);
    teacher = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 12);
  });

  afterAll(() => {
    disposeData(data);
    teacher.dispose();
  });

  it('reports val and test like the student evaluation, TTA null when off', async () => {
    const result = await evaluateTeacher(teacher, data, { batchSize: 16 });
    const val = await evaluateModel(teacher, data.val, CLASSES, 16);
    const test = await evaluateModel(teacher, data.test, CLASSES, 16);
    expect(result).toEqual({
      valAccuracy: val.accuracy,
      valMpa: val.mpa,
      testAccuracy: test.accuracy,
      testMpa: test.mpa,
      testAccuracyTta: null,
      testMpaTta: null,
      perClassAccuracy: test.perClassAccuracy,
      confusion: test.confusion,
    });
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(40);
  });

  it('adds the TTA scores of predictWithTta when a shift is given', async () => {
    const result = await evaluateTeacher(teacher, data, { ttaShift: 2, batchSize: 16 });
    const tta = evaluatePredictions(data.test.hostLabels, await predictWithTta(teacher, data.test, 2, 16), CLASSES);
    expect(result.testAccuracyTta).toBe(tta.accuracy);
    expect(result.testMpaTta).toBe(tta.mpa);
    const plain = await evaluateModel(teacher, data.test, CLASSES, 16);
    expect(result.testAccuracy).toBe(plain.accuracy);
  });

  it('leaves no tensor behind', async () => {
    await evaluateTeacher(teacher, data, { ttaShift: 1, batchSize: 16 }); // warm-up
    const before = tf.memory().numTensors;
    await evaluateTeacher(teacher, data, { ttaShift: 3, batchSize: 7 }); // a padded last batch, every view
    expect(tf.memory().numTensors).toBe(before);
  });
});
