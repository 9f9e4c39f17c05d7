// What the loop trains with: built once before the first step, freed by one dispose (a peer passed
// in stays the caller's), and freed on the way out when building fails.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import type { ExperimentConfig } from '../../src/train/config';
import { buildDistillPlan } from '../../src/train/distillPlan';
import type { RunData } from '../../src/train/runTypes';
import { labelledSubset, prepareTraining } from '../../src/train/trainingParts';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

let data: RunData;
let student: tfl.LayersModel;
let teacher: tfl.LayersModel;

beforeAll(() => {
  data = syntheticData(64, 8);
  student = getArchitecture('mlp').build(SHAPE, CLASSES, 1);
  teacher = getArchitecture('mlp').build(SHAPE, CLASSES, 2);
});

afterAll(() => {
  disposeData(data);
  student.dispose();
  teacher.dispose();
});

async function prepare(overrides: Partial<ExperimentConfig>, extra: { peer?: tfl.LayersModel; stopped?: boolean; teacherLogits?: Float32Array } = {}) {
  const cfg = config(overrides);
  const withTeacher = cfg.method === 'kd' ? teacher : null;
  const plan = buildDistillPlan(cfg, student, withTeacher, CLASSES);
  const phases: (string | undefined)[] = [];
  const parts = await prepareTraining({
    config: cfg,
    data,
    student,
    teacher: withTeacher,
    plan,
    peer: extra.peer,
    teacherLogits: extra.teacherLogits,
    evalBatchSize: 16,
    onCaching: (detail) => phases.push(detail),
    stop: { isStopped: extra.stopped ?? false },
  });
  return { parts, plan, phases };
}

describe('labelledSubset', () => {
  it('keeps round(fraction × count) samples (at least one), the same ones for the same seed', () => {
    const mask = labelledSubset(10, 0.26, 3);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(3);
    expect(labelledSubset(10, 0.26, 3)).toEqual(mask);
    expect(labelledSubset(10, 0.26, 4)).not.toEqual(mask);
    expect(labelledSubset(10, 0.01, 3).reduce((a, b) => a + b, 0)).toBe(1);
    expect(labelledSubset(4, 1, 3)).toEqual(new Float32Array([1, 1, 1, 1]));
  });
});

describe('prepareTraining', () => {
  it('caches the teacher, counts the labelled samples and frees all it made', async () => {
    const before = tf.memory().numTensors;
    const { parts, plan, phases } = await prepare({ labelledFraction: 0.5, emaDecay: 0.9 });
    expect(parts.teacherCached).toBe(true);
    expect(parts.context.teacherCache?.shape).toEqual([64, CLASSES]);
    expect(phases[0]).toBeUndefined(); // the phase begins, then reports progress
    expect(phases.at(-1)).toBe('64 / 64');
    expect(parts.labelledCount).toBe(32);
    expect(Array.from(await parts.context.labelled!.data())).toEqual(Array.from(labelledSubset(64, 0.5, 1)));
    expect(parts.ema).not.toBeNull();
    expect(parts.context.augmentRng).toBeNull();
    parts.dispose();
    plan.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes the shipped logits when they cover the training set, and nothing when stopped while caching', async () => {
    const shipped = new Float32Array(64 * CLASSES).map((_, i) => i);
    const withShipped = await prepare({}, { teacherLogits: shipped });
    expect(Array.from(await withShipped.parts.context.teacherCache!.data())).toEqual(Array.from(shipped));
    expect(withShipped.phases).toEqual([]); // nothing to compute
    withShipped.parts.dispose();
    withShipped.plan.dispose();

    const stopped = await prepare({}, { stopped: true });
    expect(stopped.parts.teacherCached).toBe(false);
    expect(stopped.parts.context.teacherCache).toBeNull();
    stopped.parts.dispose();
    stopped.plan.dispose();
  });

  it("builds DML's peer and frees it, but leaves a peer passed in to its owner", async () => {
    const before = tf.memory().numTensors;
    const built = await prepare({ method: 'dml', params: {}, kdRatio: 1 });
    expect(built.parts.peer?.model).toBeDefined();
    expect(built.parts.labelledCount).toBe(64);
    built.parts.dispose();
    built.plan.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const own = getArchitecture('mlp').build(SHAPE, CLASSES, 9);
    const withOwn = await prepare({ method: 'dml', params: {}, kdRatio: 1 }, { peer: own });
    expect(withOwn.parts.peer?.model).toBe(own);
    withOwn.parts.dispose();
    withOwn.plan.dispose();
    expect(own.getWeights()[0].isDisposed).toBe(false);
    own.dispose();
  });

  it('frees what it made when a part cannot be built', async () => {
    const before = tf.memory().numTensors;
    const plan = buildDistillPlan(config(), student, teacher, CLASSES);
    const failing = prepareTraining({ config: config({ labelledFraction: 0.5, emaDecay: 1 }), data, student, teacher, plan, evalBatchSize: 16, stop: { isStopped: false } });
    await expect(failing).rejects.toThrow(/EMA decay/);
    plan.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
