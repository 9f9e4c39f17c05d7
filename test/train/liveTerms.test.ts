// The terms as the loop trains them (src/train/liveTerms.ts): parameters resolved when the plan is
// built and again only when a live knob changes them, never at a step; the soft-label share is
// kdRatio from the knob to the step.
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getMethod, stepWeights } from '../../src/kd';
import { resolveParams } from '../../src/kd/methods';
import { getArchitecture } from '../../src/models/architectures';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { RunControl, type LiveKnobs } from '../../src/train/control';
import { applyKnobs, changedKnobs, knobsAt, startTerms, type StartTerm } from '../../src/train/liveTerms';
import { runExperiment } from '../../src/train/runExperiment';
import type { ExperimentConfig } from '../../src/train/config';
import type { RunData } from '../../src/train/runTypes';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

// Every caller reaches the one resolver through this module: count its calls.
vi.mock('../../src/kd/methods', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/kd/methods')>();
  return { ...actual, resolveParams: vi.fn(actual.resolveParams) };
});
const resolutions = () => vi.mocked(resolveParams).mock.calls.length;

/** A term as the plan hands it over: its parameters resolved (counted before the test looks). */
function planned(method: string, params: Record<string, number> = {}, weight?: number): StartTerm {
  return { method, params: resolveParams(getMethod(method), params), ...(weight === undefined ? {} : { weight }) };
}

describe('the terms as the loop starts them', () => {
  it('take kdRatio from the knob, a recipe’s later weights from its terms, and resolve nothing again', () => {
    const terms = [planned('kd', { temperature: 2 }), planned('at', {}, 1000), planned('dkd', { warmupFraction: 0.5 }, 1)];
    vi.mocked(resolveParams).mockClear();
    const recipe = { kdRatio: 0.5, terms: [{ method: 'kd', weight: 0.9, params: {} }, { method: 'at', weight: 1000, params: {} }, { method: 'dkd', weight: 1, params: {} }] };
    const live = startTerms(recipe, terms, 4);
    expect(resolutions()).toBe(0);
    // A recipe's first weight is the kd_ratio knob's value; the config's single-method field mirrors it on the page.
    expect(live.kdRatio).toBe(0.9);
    expect(live.terms.map((t) => [t.method.id, t.weight, t.warmupEpochs])).toEqual([['kd', undefined, 0], ['at', 1000, 0], ['dkd', 1, 2]]);
    expect(live.terms[0].params).toBe(terms[0].params);
    expect(startTerms({ kdRatio: 0.7 }, [planned('kd')], 1).kdRatio).toBe(0.7);
  });

  it('refuse a negative kd_ratio or recipe weight once, at the start, not at a step', () => {
    expect(() => startTerms({ kdRatio: -0.1 }, [planned('kd')], 1)).toThrow(/kd_ratio must be >= 0 \(got -0.1\)/);
    expect(() => startTerms({ kdRatio: 1, terms: [{ method: 'kd', weight: 1, params: {} }, { method: 'at', weight: -2, params: {} }] }, [planned('kd'), planned('at', {}, -2)], 1)).toThrow(/at must be >= 0/);
    // The scratch student has no term: its kd_ratio weighs nothing.
    expect(startTerms({ kdRatio: -1 }, [], 1).terms).toEqual([]);
  });
});

describe('a live knob change', () => {
  const recipe = () => startTerms({ kdRatio: 0.9, terms: [{ method: 'kd', weight: 0.9, params: {} }, { method: 'dkd', weight: 1, params: {} }] }, [planned('kd'), planned('dkd', {}, 1)], 3);

  beforeEach(() => {
    vi.mocked(resolveParams).mockClear();
  });

  it('kd_ratio alone resolves nothing', () => {
    const before = recipe();
    vi.mocked(resolveParams).mockClear();
    const after = applyKnobs(before, { kdRatio: 0.4 });
    expect(resolutions()).toBe(0);
    expect(after.kdRatio).toBe(0.4);
    expect(after.terms).toEqual(before.terms);
    expect(changedKnobs(before, after, 7)).toEqual({ step: 7, kdRatio: 0.4 });
  });

  it('resolves only the term whose parameters changed, once for all its names', () => {
    const before = recipe();
    vi.mocked(resolveParams).mockClear();
    const after = applyKnobs(before, { params: { 'dkd.beta': 2, 'dkd.warmupFraction': 0.5 } });
    expect(resolutions()).toBe(1);
    expect(after.terms[0]).toBe(before.terms[0]);
    expect(after.terms[1].params).toMatchObject({ beta: 2, warmupFraction: 0.5, alpha: before.terms[1].params.alpha });
    // The warm-up's length follows its new share of the run (3 epochs).
    expect(after.terms[1].warmupEpochs).toBe(1.5);
    expect(after.terms[1].weight).toBe(1);
    expect(changedKnobs(before, after, 3)).toEqual({ step: 3, params: { 'dkd.beta': 2, 'dkd.warmupFraction': 0.5 } });
    // Plain names go to the first term.
    expect(applyKnobs(before, { params: { temperature: 8 } }).terms[0].params.temperature).toBe(8);
  });

  it('refuses what the resolver refuses, and a negative kd_ratio', () => {
    expect(() => applyKnobs(recipe(), { params: { alpha: 1 } })).toThrow(/"kd" has no parameter "alpha"/);
    expect(() => applyKnobs(recipe(), { params: { 'at.p': 1 } })).toThrow(/No term of method "at"/);
    expect(() => applyKnobs(recipe(), { kdRatio: -1 })).toThrow(/kd_ratio must be >= 0/);
  });

  it('equal values are no change, and resolve nothing', () => {
    const before = recipe();
    vi.mocked(resolveParams).mockClear();
    const after = applyKnobs(before, { kdRatio: 0.9, params: { temperature: 4, 'dkd.beta': before.terms[1].params.beta } });
    expect(resolutions()).toBe(0);
    expect(after.terms).toEqual(before.terms);
    expect(changedKnobs(before, after, 2)).toBeNull();
  });
});

describe('a step’s knobs', () => {
  it('carry kdRatio as it is and each term’s ramp at the step; the step weighs them by mixing.ts', () => {
    const live = startTerms({ kdRatio: 0.75, terms: [{ method: 'kd', weight: 0.75, params: {} }, { method: 'dkd', weight: 2, params: {} }] }, [planned('kd'), planned('dkd', { warmupFraction: 0.5 }, 2)], 4);
    const knobs = knobsAt(live, 1);
    expect(knobs.kdRatio).toBe(0.75);
    expect(knobs.terms.map((t) => [t.weight, t.ramp])).toEqual([[undefined, 1], [2, 0.5]]);
    expect(knobs.terms[1].params).toBe(live.terms[1].params);
    expect(stepWeights(knobs.kdRatio, 'ratio', knobs.terms)).toEqual({ ce: 0.25, terms: [0.75, 1] });
  });
});

describe('in the loop', () => {
  let data: RunData;
  let teacher: tfl.LayersModel;

  beforeAll(() => {
    installFastCpuKernels();
    data = syntheticData(192, 32); // 6 steps per epoch
    teacher = getArchitecture('mlp').build(SHAPE, CLASSES, 91);
  });

  afterAll(() => {
    teacher.dispose();
    disposeData(data);
  });

  /** resolveParams calls during a run of `epochs` (6 steps each) with `knobs` set once step 3 was delivered. */
  async function countedRun(overrides: Partial<ExperimentConfig>, epochs: number, knobs: Partial<LiveKnobs> | null): Promise<number> {
    const student = getArchitecture('mlp').build(SHAPE, CLASSES, 92);
    const control = new RunControl();
    vi.mocked(resolveParams).mockClear();
    const result = await runExperiment({
      config: config({ ...overrides, epochs }),
      data,
      student,
      teacher,
      control,
      flushEverySteps: 1,
      hooks: { onSteps: (points) => void (knobs && points.at(-1)!.step === 3 && control.setKnobs(knobs)) },
    });
    student.dispose();
    expect(result.status).toBe('done');
    expect(result.steps).toBe(6 * epochs);
    return resolutions();
  }

  it('resolves a term when the plan is built and once per live change, however many steps', async () => {
    const kd: Partial<ExperimentConfig> = { method: 'kd', kdRatio: 0.5, params: { temperature: 4 } };
    expect(await countedRun(kd, 1, null)).toBe(1);
    expect(await countedRun(kd, 3, null)).toBe(1);
    // 18 steps, T changed once: 2 resolutions, not 18.
    expect(await countedRun(kd, 3, { params: { temperature: 2 } })).toBe(2);
    // kd_ratio is no parameter: moving it resolves nothing.
    expect(await countedRun(kd, 3, { kdRatio: 0.2 })).toBe(1);
  });

  it('a layer-reading method: its dry run uses the plan’s resolution too', async () => {
    const at: Partial<ExperimentConfig> = { method: 'at', kdRatio: 100, params: {}, student: 'tiny-cnn' };
    const student = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 93);
    const convTeacher = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 94);
    vi.mocked(resolveParams).mockClear();
    const control = new RunControl();
    const result = await runExperiment({
      config: config({ ...at, epochs: 1 }),
      data,
      student,
      teacher: convTeacher,
      control,
      flushEverySteps: 1,
      // Sent twice: the second time it is what the term trains with already, no change.
      hooks: { onSteps: (points) => void (points.at(-1)!.step <= 3 && points.at(-1)!.step >= 2 && control.setKnobs({ params: { p: 3 } })) },
    });
    expect(result.status).toBe('done');
    expect(result.knobChanges).toEqual([expect.objectContaining({ params: { p: 3 } })]);
    expect(resolutions()).toBe(2);
    student.dispose();
    convTeacher.dispose();
  });
});
