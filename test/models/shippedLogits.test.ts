// The logits shipped with each teacher must be that teacher's outputs on its dataset's training
// split, and must be refused when the weights, the split or the file change.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchPublicFile, loadModelFromDir, readTeacherIndex, shippedTeacherDir } from '../../src/cli/nodeFiles';
import { loadBuiltinDataset } from '../../src/data/load';
import { pickSamples, transferIndices, transferSet } from '../../src/data/split';
import { disposeSplit, uploadSplit } from '../../src/data/device';
import { setUpRun } from '../../src/train/runSetup';
import { DEFAULT_CONFIG } from '../../src/train/config';
import type { DatasetInfo, FetchBytes, ImageSet } from '../../src/data/types';
import {
  LOGITS_FILE,
  LOGITS_META_FILE,
  loadShippedLogits,
  logitRows,
  trainSplitFingerprint,
} from '../../src/models/shippedLogits';
import { cacheTeacherLogits } from '../../src/train/teacherCache';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';

installFastCpuKernels(); // bit-identical to tfjs' kernels (test/backends/cpuConv.test.ts), and several times faster

/** Rows checked against a live forward pass (a full one over MNIST's 54,000 takes minutes): a seeded sample and both ends. */
const SAMPLE_ROWS = 128;

function sampleRows(count: number, seed: number): number[] {
  let state = seed >>> 0;
  const rows = new Set<number>([0, count - 1]);
  while (rows.size < SAMPLE_ROWS) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    rows.add(state % count);
  }
  return [...rows].sort((a, b) => a - b);
}

/** The teacher's logits on `set`, through the loop's own input path (a dataset's normalisation included: CIFAR-10's). */
async function teacherOutputs(model: Awaited<ReturnType<typeof loadModelFromDir>>, set: ImageSet, info: Pick<DatasetInfo, 'inputShape' | 'normalization'>): Promise<Float32Array> {
  const split = uploadSplit(set, info);
  const logits = await cacheTeacherLogits(model, split, 256);
  const values = (await logits.data()) as Float32Array;
  logits.dispose();
  disposeSplit(split);
  return values;
}

const index = await readTeacherIndex();
const shipping = index.filter((card) => existsSync(path.join(shippedTeacherDir(card.id), LOGITS_META_FILE)));

it('every shipped teacher ships its logits (the Digits default and the MNIST presets use them)', () => {
  expect(shipping.map((card) => card.id)).toEqual(expect.arrayContaining(['digits-teacher-cnn', 'mnist-teacher-cnn', 'fashion-mnist-teacher-cnn']));
});

describe.each(shipping.map((card) => [card.id, card] as const))('shipped logits of %s', (_, card) => {
  it('equal the teacher\'s own outputs on its training split', async () => {
    const dataset = await loadBuiltinDataset(card.dataset, fetchPublicFile);
    const shipped = await loadShippedLogits(card.id, fetchPublicFile, { count: dataset.train.count, fingerprint: await trainSplitFingerprint(dataset.train) });
    if (shipped.logits === null) throw new Error(shipped.reason);
    expect(shipped.logits.length).toBe(dataset.train.count * dataset.info.numClasses);
    const rows = sampleRows(dataset.train.count, 9);
    const teacher = await loadModelFromDir(shippedTeacherDir(card.id));
    const live = await teacherOutputs(teacher, pickSamples(dataset.train, rows), dataset.info);
    teacher.dispose();
    const expected = logitRows(shipped.logits, dataset.info.numClasses, rows);
    let worst = 0;
    for (let i = 0; i < live.length; i++) worst = Math.max(worst, Math.abs(live[i] - expected[i]) / Math.max(1, Math.abs(live[i])));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('loadShippedLogits', () => {
  const digits = index.find((card) => card.dataset === 'digits')!;

  async function digitsTrain(): Promise<ImageSet> {
    return (await loadBuiltinDataset('digits', fetchPublicFile)).train;
  }

  /** fetchPublicFile with one file's bytes altered. */
  const tampered = (file: string): FetchBytes => async (path, onProgress) => {
    const bytes = await fetchPublicFile(path, onProgress);
    if (!path.endsWith(`/${file}`)) return bytes;
    const copy = bytes.slice();
    copy[copy.length - 1] ^= 1;
    return copy;
  };

  it('refuses logits whose weights, file or split changed, saying which', async () => {
    const train = await digitsTrain();
    const split = { count: train.count, fingerprint: await trainSplitFingerprint(train) };
    expect(await loadShippedLogits(digits.id, fetchPublicFile, split)).toHaveProperty('meta');
    expect(await loadShippedLogits(digits.id, tampered('weights.bin'), split)).toEqual({ logits: null, reason: expect.stringMatching(/weights changed/) });
    expect(await loadShippedLogits(digits.id, tampered(LOGITS_FILE), split)).toEqual({ logits: null, reason: expect.stringMatching(/damaged/) });
    const moved = { ...train, labels: train.labels.map((label, i) => (i === 5 ? (label + 1) % 10 : label)) };
    const other = { count: train.count, fingerprint: await trainSplitFingerprint(moved) };
    expect(await loadShippedLogits(digits.id, fetchPublicFile, other)).toEqual({ logits: null, reason: expect.stringMatching(/split differs/) });
    expect(await loadShippedLogits(digits.id, fetchPublicFile, { ...split, count: split.count - 1 })).toEqual({ logits: null, reason: expect.stringMatching(/another split/) });
    expect(await loadShippedLogits('no-such-teacher', fetchPublicFile, split)).toEqual({ logits: null, reason: expect.stringMatching(/ships no/) });
  });

  it('gives a run that omits classes and limits the split the rows of its own samples (setUpRun, as the worker and the CLI use it)', async () => {
    const train = await digitsTrain();
    const dataset = await loadBuiltinDataset('digits', fetchPublicFile);
    const onDevice = { info: dataset.info, train: uploadSplit(train, [8, 8, 1]), val: uploadSplit(dataset.val, [8, 8, 1]), test: uploadSplit(dataset.test, [8, 8, 1]) };
    const teacher = await loadModelFromDir(shippedTeacherDir(digits.id));
    const digitsFingerprint = await trainSplitFingerprint(train);
    const shippedLogits = () => loadShippedLogits(digits.id, fetchPublicFile, { count: train.count, fingerprint: digitsFingerprint });
    const config = { ...DEFAULT_CONFIG, omitClasses: [3], trainLimit: 100 };
    const setup = await setUpRun({ config, dataset: onDevice, teacher, shippedLogits });
    const whole = await shippedLogits();
    const used = transferSet(train, [3], 100);
    expect(setup.data.train.count).toBe(100);
    expect(Array.from(setup.data.train.hostLabels)).toEqual(Array.from(used.labels));
    expect(Array.from(used.labels).includes(3)).toBe(false);
    expect(setup.logitsNote).toBe('100 shipped with the teacher');
    expect(setup.teacherLogits!.length).toBe(100 * 10);
    const positions = transferIndices(train.labels, [3], 100)!;
    expect(setup.teacherLogits).toEqual(logitRows(whole.logits!, 10, positions));
    const live = await teacherOutputs(teacher, used, { inputShape: [8, 8, 1] });
    for (let i = 0; i < live.length; i++) expect(setup.teacherLogits![i]).toBeCloseTo(live[i], 4);
    // With augmentation on the images change every step: no shipped logits.
    const augmented = await setUpRun({ config: { ...config, augment: true }, dataset: onDevice, teacher, shippedLogits });
    expect(augmented.teacherLogits).toBeNull();
    augmented.release();
    augmented.student.dispose();
    setup.release();
    setup.student.dispose();
    teacher.dispose();
    for (const split of [onDevice.train, onDevice.val, onDevice.test]) disposeSplit(split);
  });
});
