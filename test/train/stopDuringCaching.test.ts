// A stop while the teacher's logits are cached ends the run within one teacher forward: nothing
// is kept on the device and the run reports 'stopped' at step 0 of its planned steps.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getArchitecture } from '../../src/models/architectures';
import { RunControl } from '../../src/train/control';
import { runExperiment } from '../../src/train/runExperiment';
import type { RunData } from '../../src/train/runTypes';
import { cacheTeacherLogits, cacheTeacherOutputs } from '../../src/train/teacherCache';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

let data: RunData;
let teacher: tfl.LayersModel;

beforeAll(() => {
  data = syntheticData(256, 16);
  teacher = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 4);
});

afterAll(() => {
  disposeData(data);
  teacher.dispose();
});

/** A stop flag that turns on after it has been read `reads` times (one read per batch). */
function stopAfter(reads: number): { readonly isStopped: boolean; reads: number } {
  return {
    reads: 0,
    get isStopped() {
      return ++this.reads > reads;
    },
  };
}

describe('stopping while the teacher is cached', () => {
  it('cacheTeacherLogits returns null at the next batch and frees the batches it had', async () => {
    const before = tf.memory().numTensors;
    const stop = stopAfter(2);
    const cache = await cacheTeacherLogits(teacher, data.train, 16, undefined, stop);
    expect(cache).toBeNull();
    expect(stop.reads).toBe(3); // 256 / 16 = 16 batches; it read the flag before each of three
    expect(tf.memory().numTensors).toBe(before);
  });

  it('cacheTeacherOutputs does the same', async () => {
    const before = tf.memory().numTensors;
    const cache = await cacheTeacherOutputs(teacher, data.train, 16, undefined, stopAfter(1));
    expect(cache).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an unstopped signal changes nothing: the same logits as without one', async () => {
    const plain = await cacheTeacherLogits(teacher, data.val, 8);
    const watched = await cacheTeacherLogits(teacher, data.val, 8, undefined, new RunControl());
    expect(watched).not.toBeNull();
    expect(Array.from(await watched!.data())).toEqual(Array.from(await plain.data()));
    tf.dispose([plain, watched!]);
  });

  it('runExperiment stopped during caching ends as stopped at step 0 of its planned steps, tensors flat', async () => {
    const control = new RunControl();
    const before = tf.memory().numTensors;
    const phases: string[] = [];
    const student = getArchitecture('mlp').build(SHAPE, CLASSES, 1);
    const result = await runExperiment({
      config: config({ epochs: 3 }),
      data,
      student,
      teacher,
      control,
      evalBatchSize: 16,
      hooks: {
        onPhase: (phase) => {
          phases.push(phase);
          if (phase === 'caching-teacher') control.stop();
        },
      },
    });
    student.dispose();
    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(0);
    expect(result.totalSteps).toBe(3 * Math.floor(256 / 32));
    expect(result.teacherCached).toBe(false);
    expect(result.history).toEqual([]);
    expect(phases[0]).toBe('caching-teacher');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('RunControl.whenStopped', () => {
  it('resolves on stop, and at once when already stopped', async () => {
    const control = new RunControl();
    let heard = false;
    const waiting = control.whenStopped().then(() => (heard = true));
    await Promise.resolve();
    expect(heard).toBe(false);
    control.stop();
    await waiting;
    expect(heard).toBe(true);
    await expect(control.whenStopped()).resolves.toBeUndefined();
  });
});
