// The steps' metrics read back from the device in one transfer: decoded into chart points, freed,
// and cut at the first step whose loss is not finite.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PendingSteps, SUGGESTION_NAN } from '../../src/train/stepReadback';
import type { StepMetrics } from '../../src/train/trainStep';

const s = (value: number) => tf.scalar(value);

function metrics(ce: number, kd: number, total: number, correct: number, extra: { terms?: number[]; rdrop?: number; peer?: [number, number, number, number] } = {}): StepMetrics {
  const m: StepMetrics = { ce: s(ce), kd: s(kd), total: s(total), correct: s(correct) };
  if (extra.terms) m.terms = extra.terms.map(s);
  if (extra.rdrop !== undefined) m.rdrop = s(extra.rdrop);
  if (extra.peer) m.peer = { ce: s(extra.peer[0]), kd: s(extra.peer[1]), total: s(extra.peer[2]), correct: s(extra.peer[3]) };
  return m;
}

const never = { steps: 1000, ms: Infinity };

describe('PendingSteps', () => {
  it("reads every waiting step in order and frees its tensors; a single term's value is the step's kd", async () => {
    const before = tf.memory().numTensors;
    const pending = new PendingSteps(['kd'], never);
    pending.add(1, 0, metrics(1, 2, 3, 5));
    pending.add(2, 0, metrics(4, 5, 6, 7));
    const { steps, failure } = await pending.read();
    expect(failure).toBeUndefined();
    expect(steps).toEqual([
      { point: { step: 1, epoch: 0, ce: 1, kd: 2, total: 3, terms: { kd: 2 } }, correct: 5, peerCorrect: null },
      { point: { step: 2, epoch: 0, ce: 4, kd: 5, total: 6, terms: { kd: 5 } }, correct: 7, peerCorrect: null },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    // Nothing waits any more.
    expect((await pending.read()).steps).toEqual([]);
  });

  it("names a recipe's terms in plan order, adds R-Drop's line and DML's peer", async () => {
    const pending = new PendingSteps(['kd', 'at'], never);
    pending.add(3, 1, metrics(1, 9, 2, 4, { terms: [7, 8], rdrop: 0.5, peer: [1.5, 2.5, 3.5, 6] }));
    const [read] = (await pending.read()).steps;
    expect(read.point).toEqual({ step: 3, epoch: 1, ce: 1, kd: 9, total: 2, terms: { kd: 7, at: 8, rdrop: 0.5 }, peer: { ce: 1.5, kd: 2.5, total: 3.5 } });
    expect(read.peerCorrect).toBe(6);
  });

  it('stops at the first step with a value that is not finite: the steps before it, and its failure', async () => {
    const before = tf.memory().numTensors;
    const pending = new PendingSteps(['kd'], never);
    pending.add(1, 0, metrics(1, 1, 1, 1));
    pending.add(2, 0, metrics(1, 1, Infinity, 1));
    pending.add(3, 0, metrics(Number.NaN, 1, 1, 1));
    const { steps, failure } = await pending.read();
    expect(steps.map((read) => read.point.step)).toEqual([1]);
    expect(failure).toEqual({ message: 'Loss is infinite at step 2', step: 2, suggestion: SUGGESTION_NAN });
    expect(tf.memory().numTensors).toBe(before);

    pending.add(4, 0, metrics(1, 1, 1, 1, { peer: [1, Number.NaN, 1, 1] }));
    expect((await pending.read()).failure?.message).toBe('Loss is NaN at step 4');
  });

  it('is due after `steps` waiting steps, or `ms` after the last read', async () => {
    const bySteps = new PendingSteps([], { steps: 2, ms: Infinity });
    bySteps.add(1, 0, metrics(1, 0, 1, 1));
    expect(bySteps.due).toBe(false);
    bySteps.add(2, 0, metrics(1, 0, 1, 1));
    expect(bySteps.due).toBe(true);
    await bySteps.read();
    expect(bySteps.due).toBe(false);

    const byTime = new PendingSteps([], { steps: 1000, ms: 20 });
    expect(byTime.due).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(byTime.due).toBe(true);
    byTime.add(1, 0, metrics(1, 0, 1, 1));
    await byTime.read();
    expect(byTime.due).toBe(false);
  });

  it('dispose frees the steps never read', () => {
    const before = tf.memory().numTensors;
    const pending = new PendingSteps(['kd'], never);
    pending.add(1, 0, metrics(1, 2, 3, 4, { rdrop: 1 }));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    pending.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
