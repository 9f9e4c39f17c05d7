// The teacher cache: logits computed once per split equal the live teacher's, batch for batch.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfl from '@tensorflow/tfjs-layers';
import { computeDistillLoss } from '../../src/kd';
import { getArchitecture } from '../../src/models/architectures';
import { cacheTeacherLogits, FEATURE_CACHE_BYTES, predictLogits, prepareTeacherCache } from '../../src/train/teacherCache';
import { allInputs, type DeviceSplit } from '../../src/data/device';
import type { RunData } from '../../src/train/runTypes';
import { CLASSES, disposeData, SHAPE, syntheticData } from './fixtures';

let data: RunData;
let teacher: tfl.LayersModel;

beforeAll(() => {
  data = syntheticData(100, 8);
  teacher = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 4); // has dropout: inference mode matters
});

afterAll(() => {
  disposeData(data);
  teacher.dispose();
});

describe('cacheTeacherLogits', () => {
  it('holds one row per sample, equal to the live teacher on the same samples (batch size not dividing the count)', async () => {
    const progress: [number, number][] = [];
    const cache = await cacheTeacherLogits(teacher, data.train, 16, (done, total) => progress.push([done, total]));
    expect(cache.shape).toEqual([100, CLASSES]);
    const live = predictLogits(teacher, allInputs(data.train));
    expect(tf.max(tf.abs(tf.sub(cache, live))).dataSync()[0]).toBeLessThan(1e-5);
    expect(progress.at(-1)).toEqual([100, 100]);
    tf.dispose([cache, live]);
  });

  it('gives the same KD loss as the live teacher on a gathered batch', async () => {
    const cache = await cacheTeacherLogits(teacher, data.train, 64);
    const indices = tf.tensor1d([97, 3, 50, 64, 63, 0, 99, 12], 'int32');
    const labels = tf.gather(data.train.labels, indices) as tf.Tensor1D;
    const images = data.train.images.gather(Int32Array.from(indices.dataSync()));
    const studentLogits = tf.randomNormal([8, CLASSES], 0, 2, 'float32', 1) as tf.Tensor2D;
    const cachedLogits = tf.gather(cache, indices) as tf.Tensor2D;
    const liveLogits = predictLogits(teacher, images);
    const params = { temperature: 4 };
    const cached = computeDistillLoss('kd', { studentLogits, teacherLogits: cachedLogits, labels }, params);
    const live = computeDistillLoss('kd', { studentLogits, teacherLogits: liveLogits, labels }, params);
    const [a, b] = [cached.dataSync()[0], live.dataSync()[0]];
    expect(b).toBeGreaterThan(0.01);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.max(1, b));
    tf.dispose([cache, indices, labels, images, studentLogits, cachedLogits, liveLogits, cached, live]);
  });

  it('runs the teacher in inference mode: the same input always gives the same logits', () => {
    const images = allInputs(data.val);
    const a = predictLogits(teacher, images);
    const b = predictLogits(teacher, images);
    expect(a.dataSync()).toEqual(b.dataSync());
    tf.dispose([a, b, images]);
  });

  it('leaves only the cache behind', async () => {
    const before = tf.memory().numTensors;
    const cache = await cacheTeacherLogits(teacher, data.train, 16);
    expect(tf.memory().numTensors).toBe(before + 1);
    cache.dispose();
  });
});

describe('prepareTeacherCache', () => {
  const base = () => ({ teacher, taps: null, train: data.train, numClasses: CLASSES, wanted: true, batchSize: 16, stop: { isStopped: false } });
  const values = async (tensor: tf.Tensor | null | undefined) => Array.from(await tensor!.data());

  it('caches nothing when caching is not wanted or there is no teacher', async () => {
    expect(await prepareTeacherCache({ ...base(), wanted: false })).toEqual({ logits: null, outputs: null });
    expect(await prepareTeacherCache({ ...base(), teacher: null })).toEqual({ logits: null, outputs: null });
  });

  it('takes the shipped logits only when they cover every training sample, else computes them', async () => {
    const shipped = new Float32Array(100 * CLASSES).map((_, i) => i / 7);
    const phases: (string | undefined)[] = [];
    const fromShipped = await prepareTeacherCache({ ...base(), shippedLogits: shipped, onPhase: (detail) => phases.push(detail) });
    expect(await values(fromShipped.logits)).toEqual(Array.from(shipped));
    expect(phases).toEqual([]);
    const computed = await prepareTeacherCache({ ...base(), shippedLogits: shipped.subarray(CLASSES), onPhase: (detail) => phases.push(detail) });
    const reference = await cacheTeacherLogits(teacher, data.train, 16);
    expect(await values(computed.logits)).toEqual(await values(reference));
    expect(phases[0]).toBeUndefined();
    expect(phases.at(-1)).toBe('100 / 100');
    tf.dispose([fromShipped.logits!, computed.logits!, reference]);
  });

  it("caches a tapped teacher's outputs when they fit, and nothing when they would not", async () => {
    const tapped = await prepareTeacherCache({ ...base(), taps: { model: teacher } });
    expect(tapped.logits).toBeNull();
    expect(tapped.outputs?.map((output) => output.shape)).toEqual([[100, CLASSES]]);
    tf.dispose(tapped.outputs!);
    // More samples than FEATURE_CACHE_BYTES holds: the teacher runs live (nothing is read from the split).
    const huge = { count: FEATURE_CACHE_BYTES / (4 * CLASSES) + 1 } as DeviceSplit;
    expect(await prepareTeacherCache({ ...base(), taps: { model: teacher }, train: huge })).toEqual({ logits: null, outputs: null });
  });
});
