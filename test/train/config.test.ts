// Configuration validation: every bad knob is refused with a message naming it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig, usesTeacher, validateConfig, withMethod } from '../../src/train/config';

const problemsOf = (overrides: Partial<ExperimentConfig>, trainCount?: number) => validateConfig({ ...DEFAULT_CONFIG, ...overrides }, trainCount);

describe('validateConfig', () => {
  it('accepts the defaults', () => {
    expect(validateConfig(DEFAULT_CONFIG)).toEqual([]);
    expect(validateConfig(DEFAULT_CONFIG, 1294)).toEqual([]);
  });

  it.each([
    [{ lr: 0 }, 'lr', /Learning rate must be greater than 0/],
    [{ lr: -0.1 }, 'lr', /greater than 0/],
    [{ lr: Number.NaN }, 'lr', /Learning rate must be a number/],
    [{ kdRatio: -1 }, 'kdRatio', /kd_ratio must be at least 0 \(got -1\)/],
    [{ batchSize: 0 }, 'batchSize', /Batch size must be a whole number of at least 1/],
    [{ batchSize: 2.5 }, 'batchSize', /whole number/],
    [{ epochs: 0 }, 'epochs', /Epochs must be a whole number of at least 1 \(got 0\)/],
    [{ epochs: 1.5 }, 'epochs', /Epochs/],
    [{ weightDecay: -1 }, 'weightDecay', /Weight decay/],
    [{ momentum: 1 }, 'momentum', /Momentum must be in \[0, 1\)/],
    [{ seed: 1.5 }, 'seed', /Seed must be a whole number/],
    [{ evalEvery: 0 }, 'evalEvery', /Evaluation interval/],
    [{ trainLimit: 0 }, 'trainLimit', /Train limit/],
    [{ testLimit: 0 }, 'testLimit', /Test limit/],
    [{ valLimit: 0 }, 'valLimit', /Validation limit must be a whole number of at least 1/],
    [{ trainLimit: 100.5 }, 'trainLimit', /Train limit must be a whole number/],
    [{ epochs: 1e9 }, 'epochs', /Epochs must be at most 10,000 \(got 1,000,000,000\)/],
    [{ steps: 0 }, 'steps', /Steps must be a whole number of at least 1/],
    [{ steps: 1e7 }, 'steps', /Steps must be at most 1,000,000/],
    [{ batchSize: 1e8 }, 'batchSize', /Batch size must be at most 10,000,000/],
    [{ evalEvery: 1e9 }, 'evalEvery', /Evaluation interval \(steps\) must be at most/],
    [{ testLimit: 1e12 }, 'testLimit', /Test limit must be at most 10,000,000/],
    [{ kdRatio: 1.5 }, 'kdRatio', /kd mixes by ratio: kd_ratio is the soft-label share, from 0 to 1 \(got 1.5\)/],
    [{ method: 'nope' }, 'method', /Unknown method "nope"/],
    [{ params: { temperature: 0 } }, 'param.temperature', /Temperature T must be greater than 0/],
    [{ params: { temperature: -3 } }, 'param.temperature', /greater than 0/],
  ] as [Partial<ExperimentConfig>, string, RegExp][])('refuses %o on field %s', (overrides, field, message) => {
    const problems = problemsOf(overrides);
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe(field);
    expect(problems[0].message).toMatch(message);
  });

  it('refuses a batch larger than the training set only when its size is known', () => {
    expect(problemsOf({ batchSize: 100 })).toEqual([]);
    expect(problemsOf({ batchSize: 100 }, 100)).toEqual([]);
    const problems = problemsOf({ batchSize: 101 }, 100);
    expect(problems.map((p) => p.field)).toEqual(['batchSize']);
    expect(problems[0].message).toMatch(/Batch size 101 is larger than the training set \(100 samples\)/);
  });

  it("keeps kd_ratio in [0, 1] for kd alone, where the hard-label weight would jump above 1; additive methods and recipes take any weight", () => {
    expect(problemsOf({ method: 'kd', kdRatio: 1 })).toEqual([]);
    expect(problemsOf({ method: 'kd', kdRatio: 0 })).toEqual([]);
    expect(problemsOf({ method: 'dkd', params: {}, kdRatio: 8 })).toEqual([]);
    expect(problemsOf({ method: 'at', params: {}, kdRatio: 1000 })).toEqual([]);
    expect(problemsOf({ kdRatio: 2, terms: [{ method: 'kd', weight: 2, params: {} }, { method: 'at', weight: 1000, params: {} }] })).toEqual([]);
    expect(problemsOf({ epochs: 10_000, steps: 1_000_000 })).toEqual([]);
  });

  it('reports every problem, not just the first', () => {
    expect(problemsOf({ lr: 0, epochs: 0, kdRatio: -1 }).map((p) => p.field).sort()).toEqual(['epochs', 'kdRatio', 'lr']);
  });
});

describe('usesTeacher', () => {
  it('is false for the from-scratch baseline and unknown methods, true for kd', () => {
    expect(usesTeacher({ method: 'none' })).toBe(false);
    expect(usesTeacher({ method: 'kd' })).toBe(true);
    expect(usesTeacher({ method: 'nope' })).toBe(false);
  });
});

describe('withMethod', () => {
  it("starts the new method at its reference parameters and weight, and leaves none of the old method's behind", () => {
    const kd: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 8 }, kdRatio: 0.5 };
    const dkd = withMethod(kd, 'dkd');
    expect(dkd.params).toEqual({ alpha: 1, beta: 8, temperature: 4, warmupFraction: 20 / 240, warmupEpochs: 0 });
    // DIST's τ shares the name but not the meaning: its reference value is 1 (Huang et al. 2022).
    expect(withMethod(kd, 'dist').params).toEqual({ beta: 1, gamma: 1, temperature: 1 });
    expect(dkd.kdRatio).toBe(1);
    const scratch = withMethod(kd, 'none');
    expect(scratch.params).toEqual({});
    expect(scratch.kdRatio).toBe(0.5);
    expect(validateConfig(scratch)).toEqual([]);
    const at = withMethod({ ...kd, studentLayers: ['block1'], teacherLayers: ['block1'] }, 'at');
    expect(at.studentLayers).toBeUndefined();
    expect(at.kdRatio).toBe(1000);
  });

  it('is needed: a parameter the method does not have is refused by validateConfig with its name', () => {
    const leftover: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'none', params: { temperature: 4 } };
    expect(validateConfig(leftover)).toEqual([
      { field: 'param.temperature', message: 'Method "none" has no parameter "temperature" (its parameters: none)' },
    ]);
  });
});
