// Live knobs: a change made while the loop runs (no pause) applies from the next step, and the loop
// reports it with that step, which is where the Lab's loss chart marks it.
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { RunControl, type KnobChange, type LiveKnobs } from '../../src/train/control';
import { runExperiment } from '../../src/train/runExperiment';
import type { RunData, RunResult, StepPoint } from '../../src/train/runTypes';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

let data: RunData;
let teacher: tfl.LayersModel;

beforeAll(() => {
  installFastCpuKernels();
  data = syntheticData(192, 32); // 6 steps per epoch
  teacher = getArchitecture('mlp').build(SHAPE, CLASSES, 81);
});

afterAll(() => {
  teacher.dispose();
  disposeData(data);
});

/** Two epochs of kd (kd_ratio 0.5, T = 4); `knobs` are set from the onSteps hook once step `atStep` was delivered. */
async function runWithChange(atStep: number | null, knobs: Partial<LiveKnobs>): Promise<{ steps: StepPoint[]; reported: { change: KnobChange; delivered: number }[]; result: RunResult }> {
  const student = getArchitecture('mlp').build(SHAPE, CLASSES, 82);
  const control = new RunControl();
  const steps: StepPoint[] = [];
  const reported: { change: KnobChange; delivered: number }[] = [];
  const result = await runExperiment({
    config: config({ kdRatio: 0.5, params: { temperature: 4 }, epochs: 2 }),
    data,
    student,
    teacher,
    control,
    flushEverySteps: 1,
    hooks: {
      onSteps: (points) => {
        steps.push(...points);
        if (points.at(-1)!.step === atStep) control.setKnobs(knobs);
      },
      onKnobs: (change) => reported.push({ change, delivered: steps.length }),
    },
  });
  student.dispose();
  return { steps, reported, result };
}

describe('live knobs while the run trains', () => {
  it('kd_ratio and T set at step 4 train step 5 on, and are reported with step 5', async () => {
    const unchanged = await runWithChange(null, {});
    const changed = await runWithChange(4, { kdRatio: 0, params: { temperature: 1 } });

    expect(changed.result.status).toBe('done');
    expect(changed.steps).toHaveLength(12);
    // Reported once, before step 5 was trained (4 steps delivered), with the step it applies to.
    expect(changed.reported).toEqual([{ change: { step: 5, kdRatio: 0, params: { temperature: 1 } }, delivered: 4 }]);
    expect(changed.result.knobChanges).toEqual([{ step: 5, kdRatio: 0, params: { temperature: 1 } }]);
    expect(unchanged.result.knobChanges).toBeUndefined();
    expect(unchanged.reported).toEqual([]);

    // Steps 1–4 are the unchanged run's, to the bit.
    expect(changed.steps.slice(0, 4)).toEqual(unchanged.steps.slice(0, 4));
    for (const point of changed.steps.slice(0, 4)) expect(point.total).toBeCloseTo(0.5 * point.ce + 0.5 * point.kd, 5);
    // Step 5 starts from the same weights and batch: the same CE, a kd at T = 1 instead of 4.
    expect(changed.steps[4].ce).toBe(unchanged.steps[4].ce);
    expect(Math.abs(changed.steps[4].kd - unchanged.steps[4].kd)).toBeGreaterThan(1e-3);
    // kd_ratio 0 from step 5: hard labels only.
    for (const point of changed.steps.slice(4)) expect(point.total).toBeCloseTo(point.ce, 6);
    expect(Math.abs(unchanged.steps[4].total - unchanged.steps[4].ce)).toBeGreaterThan(1e-3);
  });

  it('values equal to the ones training are not reported and change nothing', async () => {
    const unchanged = await runWithChange(null, {});
    const same = await runWithChange(2, { kdRatio: 0.5, params: { temperature: 4 } });
    expect(same.reported).toEqual([]);
    expect(same.result.knobChanges).toBeUndefined();
    expect(same.steps).toEqual(unchanged.steps);
    expect(same.result.testAccuracy).toBe(unchanged.result.testAccuracy);
  });

  it('reports only what changed: the same kd_ratio with a new T is a T change', async () => {
    const changed = await runWithChange(3, { kdRatio: 0.5, params: { temperature: 8 } });
    expect(changed.result.knobChanges).toEqual([{ step: 4, params: { temperature: 8 } }]);
  });
});
