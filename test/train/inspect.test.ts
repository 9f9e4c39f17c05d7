// Logits on chosen images and misclassified examples, checked against the model run directly.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { balancedIndices, computeTeacherView, imagesAt, logitsAt, misclassifiedExamples } from '../../src/train/inspect';
import type { RunData } from '../../src/train/runTypes';
import { evaluateModel } from '../../src/train/evaluate';
import { predictLogits } from '../../src/train/teacherCache';
import { CLASSES, disposeData, SHAPE, syntheticData, syntheticSet } from './fixtures';

let data: RunData;
let model: tfl.LayersModel;

beforeAll(() => {
  data = syntheticData(16, 90);
  // Untrained: it gets many test images wrong, which is what the inspector needs to find.
  model = getArchitecture('mlp').build(SHAPE, CLASSES, 7);
});

afterAll(() => {
  disposeData(data);
  model.dispose();
});

describe('logitsAt', () => {
  it('gives the rows of the chosen images in the order asked, across padded batches', async () => {
    const indices = [89, 3, 40, 0, 77, 12, 12];
    const logits = await logitsAt(model, data.test, indices, 4);
    const direct = tf.tidy(() => predictLogits(model, data.test.images.gather(Int32Array.from(indices))));
    const expected = await direct.data();
    direct.dispose();
    expect(logits).toHaveLength(indices.length * CLASSES);
    for (let i = 0; i < expected.length; i++) expect(logits[i]).toBeCloseTo(expected[i], 5);
  });
});

describe('imagesAt', () => {
  it('reads back the pixels and labels of the chosen images', async () => {
    const host = syntheticSet(90, 3); // the same generator and seed as data.test
    const images = await imagesAt(data.test, [5, 61]);
    expect(images.map((image) => [image.index, image.label])).toEqual([
      [5, host.labels[5]],
      [61, host.labels[61]],
    ]);
    expect(Array.from(images[1].pixels)).toEqual(Array.from(host.images.subarray(61 * 64, 62 * 64)));
  });
});

describe('balancedIndices', () => {
  it('takes up to N of each class, round-robin, among the first count', () => {
    const labels = [0, 0, 1, 2, 0, 1, 2, 2, 1];
    expect(balancedIndices(labels, 9, 3, 2)).toEqual([0, 2, 3, 1, 5, 6]);
    expect(balancedIndices(labels, 4, 4, 2)).toEqual([0, 2, 3, 1]);
  });
});

describe('computeTeacherView', () => {
  it('covers the first `limit` images, with a grid of each class', async () => {
    const before = tf.memory().numTensors;
    const view = await computeTeacherView(model, data.test, CLASSES, 50, 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(view.count).toBe(50);
    expect(view.logits).toHaveLength(50 * CLASSES);
    expect(Array.from(view.labels)).toEqual(Array.from(data.test.hostLabels.subarray(0, 50)));
    expect(view.grid).toHaveLength(3 * CLASSES);
    expect(new Set(view.grid.map((image) => image.label)).size).toBe(CLASSES);
    expect(view.grid.every((image) => image.index < 50)).toBe(true);
  });
});

describe('misclassifiedExamples', () => {
  it('finds images of the true class that the model puts in the other class, and counts them as the confusion matrix does', async () => {
    const { confusion } = await evaluateModel(model, data.test, CLASSES);
    const pairs: { actual: number; predicted: number }[] = [];
    confusion.forEach((row, actual) => row.forEach((count, predicted) => count > 0 && actual !== predicted && pairs.push({ actual, predicted })));
    expect(pairs.length).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    const found = await misclassifiedExamples(model, data.test, pairs, 2);
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, pair] of found.entries()) {
      expect([pair.actual, pair.predicted]).toEqual([pairs[i].actual, pairs[i].predicted]);
      expect(pair.count).toBe(confusion[pair.actual][pair.predicted]);
      expect(pair.examples).toHaveLength(Math.min(2, pair.count));
      for (const example of pair.examples) {
        expect(example.label).toBe(pair.actual);
        const predicted = tf.tidy(() => tf.argMax(predictLogits(model, tf.tensor4d(example.pixels, [1, ...SHAPE])), 1));
        expect((await predicted.data())[0]).toBe(pair.predicted);
        predicted.dispose();
      }
    }
  });
});
