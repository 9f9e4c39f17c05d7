// Classes left out of the transfer set (Hinton et al. 2015, §3): which samples the student trains
// on, and the bias correction chosen on validation and reported on test.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { omittedClassesProblem, transferIndices, transferSet } from '../../src/data/split';
import { disposeSplit, selectSplit, uploadSplit } from '../../src/data/device';
import { accuracyWithBias, chooseOmittedBias, OMITTED_BIAS_GRID, omittedClassReport } from '../../src/train/omittedClasses';
import { parseArgs } from '../../src/cli/args';
import { decodeConfig, encodeConfig } from '../../src/state/url';
import { DEFAULT_CONFIG, validateConfig } from '../../src/train/config';
import { refusal } from '../cli/cliKit';

const CLASSES = 10;

describe('the transfer set', () => {
  const labels = Int32Array.from({ length: 40 }, (_, i) => i % CLASSES);

  it('drops every sample of an omitted class, then keeps the first `limit` of the rest', () => {
    const indices = transferIndices(labels, [3], undefined)!;
    expect(indices.length).toBe(36);
    expect(Array.from(indices).some((i) => labels[i] === 3)).toBe(false);
    const limited = transferIndices(labels, [3, 5], 10)!;
    expect(Array.from(limited)).toEqual([0, 1, 2, 4, 6, 7, 8, 9, 10, 11]);
  });

  it('is null (no copy) when nothing is left out, and a plain prefix with a limit alone', () => {
    expect(transferIndices(labels, undefined, undefined)).toBeNull();
    expect(transferIndices(labels, [], 100)).toBeNull();
    expect(Array.from(transferIndices(labels, undefined, 3)!)).toEqual([0, 1, 2]);
  });

  it('picks the same pixels on the host and on the device', async () => {
    const set = { images: Float32Array.from({ length: 40 }, (_, i) => i), labels, count: 40 };
    const host = transferSet(set, [0, 9], 12);
    const device = uploadSplit(set, [1, 1, 1]);
    const selected = selectSplit(device, transferIndices(labels, [0, 9], 12)!);
    expect(Array.from(await selected.images.pixels(Int32Array.from({ length: selected.count }, (_, i) => i)))).toEqual(Array.from(host.images));
    expect(Array.from(await selected.labels.data())).toEqual(Array.from(host.labels));
    expect(Array.from(selected.hostLabels)).toEqual(Array.from(host.labels));
    expect(host.count).toBe(12);
    disposeSplit(device);
    disposeSplit(selected);
  });

  it('refuses a class the dataset does not have, and leaving every class out', () => {
    const digits = { name: 'Digits', numClasses: 10 };
    expect(omittedClassesProblem([3], digits)).toBeNull();
    expect(omittedClassesProblem([3, 12], digits)).toMatch(/Digits has no class 12 \(its classes are 0–9\)/);
    expect(omittedClassesProblem([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], digits)).toMatch(/nothing to train on/);
    expect(validateConfig({ ...DEFAULT_CONFIG, omitClasses: [3, 3] }).map((p) => p.field)).toContain('omitClasses');
    expect(validateConfig({ ...DEFAULT_CONFIG, omitClasses: [-1] }).map((p) => p.field)).toContain('omitClasses');
  });
});

describe('--omit-classes and omit= in the URL', () => {
  it('the CLI reads a list of classes and refuses what is not one', () => {
    expect(parseArgs(['--omit-classes', '3']).config.omitClasses).toEqual([3]);
    expect(parseArgs(['--omit-classes', '3,5']).config.omitClasses).toEqual([3, 5]);
    expect(refusal(['--omit-classes', 'three'])).toMatch(/--omit-classes expects class indices/);
    expect(refusal(['--omit-classes', '10'])).toMatch(/--omit-classes: Digits 8×8 has no class 10|--omit-classes: .* has no class 10/);
  });

  it('a link carries the omitted classes, and a malformed value is dropped', () => {
    const config = { ...DEFAULT_CONFIG, omitClasses: [3] };
    expect(encodeConfig(config).get('omit')).toBe('3');
    expect(decodeConfig(encodeConfig(config)).omitClasses).toEqual([3]);
    expect(decodeConfig('omit=3,x').omitClasses).toBeUndefined();
    expect(decodeConfig('omit=3,3').omitClasses).toBeUndefined();
    expect(encodeConfig(DEFAULT_CONFIG).has('omit')).toBe(false);
  });
});

/**
 * Logits of class `label`: 5 on the label. Rows of class 3 (the omitted one) have their 3-logit
 * pushed down to 1.7 below a distractor at 2.0, as a student that never saw a 3 would.
 */
function syntheticLogits(labels: readonly number[]): Float32Array {
  const logits = new Float32Array(labels.length * CLASSES);
  labels.forEach((label, row) => {
    logits[row * CLASSES + label] = 5;
    if (label === 3) {
      logits[row * CLASSES + 3] = 1.7;
      logits[row * CLASSES + 5] = 2.0;
    }
  });
  return logits;
}

describe('the bias correction', () => {
  const labels = Array.from({ length: 50 }, (_, i) => i % CLASSES);
  const logits = syntheticLogits(labels);

  it('counts accuracy with the bias on the omitted classes, over all rows or some', () => {
    expect(accuracyWithBias(logits, labels, CLASSES, [3], 0).accuracy).toBeCloseTo(0.9, 10);
    expect(accuracyWithBias(logits, labels, CLASSES, [3], 0, (l) => l === 3)).toEqual({ accuracy: 0, count: 5 });
    expect(accuracyWithBias(logits, labels, CLASSES, [3], 1, (l) => l === 3).accuracy).toBe(1);
    // Too large a bias turns every other class into a 3.
    expect(accuracyWithBias(logits, labels, CLASSES, [3], 6).accuracy).toBeCloseTo(0.1, 10);
  });

  it('chooses the smallest grid bias with the best validation accuracy', () => {
    expect(OMITTED_BIAS_GRID[0]).toBe(0);
    // 1.7 + b must beat 2.0 (b > 0.3) and stay below 5 on the other rows: 0.5 is the first grid step that does.
    expect(chooseOmittedBias(logits, labels, CLASSES, [3])).toBe(0.5);
    expect(chooseOmittedBias(syntheticLogits(labels.filter((l) => l !== 3)), labels.filter((l) => l !== 3), CLASSES, [3])).toBe(0);
  });

  it('reports the omitted class on test before and after, with the bias chosen on val', async () => {
    // A model whose logits are its input: images of shape 1x1x10 are the logits themselves.
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [1, 1, CLASSES] }), tfl.layers.dense({ units: CLASSES, useBias: false, kernelInitializer: 'identity' })] });
    const split = (rows: number[]) => uploadSplit({ images: syntheticLogits(rows), labels: Int32Array.from(rows), count: rows.length }, [1, 1, CLASSES]);
    const val = split(labels);
    const test = split(labels.slice(0, 30));
    const before = tf.memory().numTensors;
    const report = await omittedClassReport(model, val, test, [3], CLASSES);
    expect(tf.memory().numTensors).toBe(before);
    expect(report).toMatchObject({ classes: [3], bias: 0.5, omittedTestAccuracy: 0, omittedTestAccuracyCorrected: 1, omittedTestCount: 3, testAccuracy: 0.9, testAccuracyCorrected: 1 });
    expect(report.valAccuracy).toBeCloseTo(0.9, 10);
    expect(report.valAccuracyCorrected).toBe(1);
    disposeSplit(val);
    disposeSplit(test);
    model.dispose();
  });
});
