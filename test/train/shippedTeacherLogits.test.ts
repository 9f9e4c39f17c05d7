// runExperiment with a teacher's logits given beforehand (shipped with the teacher) must train
// exactly as it does when it computes the same logits itself, and must not run the teacher first.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { runExperiment } from '../../src/train/runExperiment';
import type { StepPoint } from '../../src/train/runTypes';
import { predictLogits } from '../../src/train/teacherCache';
import { allInputs } from '../../src/data/device';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

installFastCpuKernels();
const data = syntheticData(64, 16);
const teacher = getArchitecture('teacher-cnn', 'teacher').build(SHAPE, CLASSES, 2);
teacher.trainable = false;
afterAll(() => {
  teacher.dispose();
  disposeData(data);
});

async function train(teacherLogits: Float32Array | null): Promise<{ losses: number[]; phases: string[]; cached: boolean }> {
  const student = getArchitecture('tiny-cnn', 'student').build(SHAPE, CLASSES, 1);
  const points: StepPoint[] = [];
  const phases: string[] = [];
  const result = await runExperiment({
    config: config({ student: 'tiny-cnn', batchSize: 16, epochs: 2 }),
    data,
    student,
    teacher,
    teacherLogits,
    flushEverySteps: 1,
    hooks: { onSteps: (p) => points.push(...p), onPhase: (phase) => phases.push(phase) },
  });
  student.dispose();
  expect(result.status).toBe('done');
  return { losses: points.map((p) => p.total), phases, cached: result.teacherCached };
}

describe('runExperiment with shipped teacher logits', () => {
  it('trains to the same losses as with the logits it computes, without the caching phase', async () => {
    const logits = tf.tidy(() => predictLogits(teacher, allInputs(data.train)).dataSync() as Float32Array);
    const computed = await train(null);
    const shipped = await train(logits);
    expect(computed.phases).toContain('caching-teacher');
    expect(shipped.phases).not.toContain('caching-teacher');
    expect(shipped.cached).toBe(true);
    expect(shipped.losses).toHaveLength(8);
    expect(shipped.losses).toEqual(computed.losses);
  });

  it('ignores logits of the wrong size and computes them', async () => {
    const wrong = await train(new Float32Array(10));
    expect(wrong.phases).toContain('caching-teacher');
  });

  it('uses the given logits, not the teacher: other logits give other losses', async () => {
    const computed = await train(null);
    const other = await train(new Float32Array(data.train.count * CLASSES).map((_, i) => (i % CLASSES) * 3));
    expect(other.losses[0]).not.toBeCloseTo(computed.losses[0], 3);
  });
});
