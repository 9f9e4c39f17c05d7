// The time a run should take: its planned steps at the speed the last run of the same set-up
// measured on the same backend; unknown before any measurement.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunResult } from '../../src/train/runTypes';
import {
  estimateRun,
  estimateText,
  formatDuration,
  measuredSpeed,
  readSpeeds,
  rememberRunSpeed,
  RUN_SPEEDS_KEY,
  isWarm,
  forgetWarmSetUps,
  speedKey,
  timeLeft,
  estimateRuns,
  comparisonKey,
  rememberComparison,
  rememberedComparison,
  type SpeedStorage,
} from '../../src/state/estimate';

class MemoryStorage implements SpeedStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const kd: ExperimentConfig = { ...DEFAULT_CONFIG, dataset: 'digits', student: 'tiny-cnn', method: 'kd', params: { temperature: 4 }, batchSize: 32, evalEvery: 50 };

/** A finished run: 200 steps of 32 in 8 s of training, 3 curve points + the final scores in 2 s, 1 s of set-up. */
function result(overrides: Partial<RunResult> = {}): RunResult {
  const evalPoint = { step: 0, epoch: 0, trainAccuracy: 0, valAccuracy: 0, testAccuracy: 0, ce: 0, kd: 0, total: 0, terms: {} };
  return {
    config: kd,
    status: 'done',
    backend: 'webgpu',
    steps: 200,
    samplesPerSecond: 800,
    trainSeconds: 8,
    evalSeconds: 2,
    seconds: 11,
    history: [evalPoint, evalPoint, evalPoint],
    ...overrides,
  } as RunResult;
}

describe('run time estimate', () => {
  it('splits a run into training speed, time per evaluation and fixed set-up', () => {
    expect(measuredSpeed(result())).toEqual({ samplesPerSecond: 800, warmUpSeconds: 0, fixedSeconds: 1, secondsPerEval: 0.5 });
    expect(measuredSpeed(result({ steps: 0, samplesPerSecond: 0 }))).toBeNull();
  });

  it('the same set-up again takes what it took; twice the steps twice the training', () => {
    const speed = measuredSpeed(result())!;
    // 200 steps, eval every 50: 4 curve points + the final scores.
    expect(estimateRun({ batchSize: 32, evalEvery: 50 }, 200, speed).seconds).toBeCloseTo(8 + 5 * 0.5 + 1, 9);
    // 401 steps: 8 curve points at multiples of 50, one at the last step, then the final scores.
    expect(estimateRun({ batchSize: 32, evalEvery: 50 }, 401, speed).seconds).toBeCloseTo((401 * 32) / 800 + 10 * 0.5 + 1, 9);
    expect(estimateRun({ batchSize: 32, evalEvery: 50 }, 200, undefined)).toEqual({ steps: 200, seconds: null, speed: null });
  });

  it('remembers a speed per backend, dataset, student, method kind and teacher mode', () => {
    const storage = new MemoryStorage();
    rememberRunSpeed(result(), storage);
    const speeds = readSpeeds(storage);
    expect(Object.keys(speeds)).toEqual([speedKey('webgpu', kd)]);
    // Another logit method shares the measurement; another backend, student, feature method or augmentation does not.
    expect(speedKey('webgpu', { ...kd, method: 'dkd' })).toBe(speedKey('webgpu', kd));
    const others = [
      speedKey('cpu', kd),
      speedKey('webgpu', { ...kd, student: 'mlp' }),
      speedKey('webgpu', { ...kd, dataset: 'mnist' }),
      speedKey('webgpu', { ...kd, method: 'at' }),
      speedKey('webgpu', { ...kd, method: 'none' }),
      speedKey('webgpu', { ...kd, augment: true }),
    ];
    for (const key of others) expect(speeds[key]).toBeUndefined();
    // A later run of the same set-up replaces the measurement; a run that trained nothing keeps it.
    rememberRunSpeed(result({ samplesPerSecond: 400 }), storage);
    rememberRunSpeed(result({ steps: 0, samplesPerSecond: 0 }), storage);
    expect(readSpeeds(storage)[speedKey('webgpu', kd)].samplesPerSecond).toBe(400);
  });

  it('survives a broken or full storage', () => {
    const storage = new MemoryStorage();
    storage.setItem(RUN_SPEEDS_KEY, '{not json');
    expect(readSpeeds(storage)).toEqual({});
    const full: SpeedStorage = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } };
    expect(() => rememberRunSpeed(result(), full)).not.toThrow();
  });

  it('says unknown before a measurement and warns above two minutes', () => {
    expect(estimateText({ steps: 1200, seconds: null, speed: null }, 'cpu')).toBe('Time to expect: unknown until the first run of this set-up on cpu (1,200 steps).');
    const speed = { samplesPerSecond: 800, fixedSeconds: 1, secondsPerEval: 0.5 };
    expect(estimateText({ steps: 200, seconds: 45, speed }, 'webgpu')).toBe('Time to expect: about 45 s on webgpu (200 steps at 800 samples/s once warm, as the last such run measured).');
    expect(estimateText({ steps: 8000, seconds: 330, speed }, 'webgpu')).toMatch(/about 5 min 30 s .*Longer than 2 minutes/);
    expect(estimateText({ steps: 8000, seconds: 119, speed }, 'webgpu')).not.toMatch(/Longer/);
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(120)).toBe('2 min');
  });
});

describe('a set-up\'s warm-up', () => {
  // A cold first run: 200 steps in 8 s of training of which 1.5 s were the first steps' one-time cost,
  // and a first curve point 0.4 s slower than the others.
  const cold = () => result({ config: { ...kd, dataset: 'mnist' }, steadySamplesPerSecond: 1000, warmUp: { trainSeconds: 1.5, evalSeconds: 0.4 } });

  it('is kept apart from the steady speed, the first curve point\'s extra too', () => {
    expect(measuredSpeed(cold())).toEqual({ samplesPerSecond: 1000, warmUpSeconds: 1.9, fixedSeconds: 1, secondsPerEval: (2 - 0.4) / 4 });
  });

  it('is added to the estimate of a set-up that has not run in this worker, and only to it', () => {
    forgetWarmSetUps();
    const storage = new MemoryStorage();
    const key = speedKey('webgpu', cold().config);
    expect(isWarm(key)).toBe(false);
    rememberRunSpeed(cold(), storage);
    expect(isWarm(key)).toBe(true);
    const speed = readSpeeds(storage)[key];
    const config = { batchSize: 32, evalEvery: 50 };
    const warm = estimateRun(config, 200, speed, true).seconds!;
    expect(warm).toBeCloseTo((200 * 32) / 1000 + 5 * 0.4 + 1, 9);
    expect(estimateRun(config, 200, speed, false).seconds).toBeCloseTo(warm + 1.9, 9);
    // The next run is warm and pays no warm-up: its own (near 0) does not replace the cold figure.
    rememberRunSpeed(result({ config: cold().config, steadySamplesPerSecond: 1100, warmUp: { trainSeconds: 0.01, evalSeconds: 0 } }), storage);
    expect(readSpeeds(storage)[key]).toMatchObject({ samplesPerSecond: 1100, warmUpSeconds: 1.9 });
    // A fresh worker sets its kernels up again.
    forgetWarmSetUps();
    expect(isWarm(key)).toBe(false);
  });

  it('counts once per set-up in a comparison, and not at all for a set-up that has run here', () => {
    forgetWarmSetUps();
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd' };
    const speed = { samplesPerSecond: 640, fixedSeconds: 1, secondsPerEval: 0.5, warmUpSeconds: 3 };
    const speeds = { [speedKey('wasm', config)]: speed };
    const one = estimateRun(config, 100, speed).seconds!;
    const runs = [{ config, steps: 100 }, { config, steps: 100 }];
    expect(estimateRuns(runs, speeds, 'wasm')).toBeCloseTo(2 * one + 3, 9);
    rememberRunSpeed(result({ config, backend: 'wasm' }), new MemoryStorage());
    expect(estimateRuns(runs, speeds, 'wasm')).toBeCloseTo(2 * one, 9);
    forgetWarmSetUps();
  });
});

describe('time left during a run', () => {
  it('at the pace kept since the first report; nothing before 2 s or 5 % of the run, or for a run without an end', () => {
    const first = { at: 10_000, step: 10 };
    expect(timeLeft(first, { at: 14_000, step: 50 }, 210)).toBeCloseTo(16, 12);
    expect(timeLeft(first, { at: 11_000, step: 12 }, 1000)).toBeNull();
    expect(timeLeft(first, { at: 11_000, step: 70 }, 1000)).toBeCloseTo((930 * 1) / 60, 12);
    expect(timeLeft(first, { at: 20_000, step: 400 }, Infinity)).toBeNull();
    expect(timeLeft(first, { at: 20_000, step: 210 }, 210)).toBe(0);
  });
});

describe('a comparison\'s time', () => {
  it('adds each run at its set-up\'s speed, a set-up never measured at a measured run\'s speed; nothing measured: unknown', () => {
    const kd: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd' };
    const none: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'none', params: {} };
    const speed = { samplesPerSecond: 640, fixedSeconds: 1, secondsPerEval: 0.5 };
    const one = estimateRun(kd, 100, speed).seconds!;
    const speeds = { [speedKey('wasm', kd)]: speed };
    expect(estimateRuns([{ config: kd, steps: 100 }, { config: none, steps: 100 }, { config: kd, steps: 100 }], speeds, 'wasm')).toBeCloseTo(3 * one, 12);
    expect(estimateRuns([{ config: none, steps: 100 }], speeds, 'wasm')).toBeNull();
    expect(estimateRuns([{ config: kd, steps: 100 }], speeds, 'webgpu')).toBeNull();
  });
});

describe('a comparison\'s remembered time', () => {
  it('is kept by backend, configurations (seed aside) and run count, and read back for the same comparison only', () => {
    const values = new Map<string, string>();
    const storage = { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
    const kd: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd' };
    // The teacher, then one group over `seeds` seeds (its seeds differ; the key sets them aside).
    const entries = (config: ExperimentConfig, seeds: number) => [
      { kind: 'teacher', group: 't', config },
      ...Array.from({ length: seeds }, (_, i) => ({ kind: 'student', group: 'g', config: { ...config, seed: config.seed + i } })),
    ];
    const key = comparisonKey('wasm', entries(kd, 3));
    expect(rememberedComparison(storage, key)).toBeNull();
    rememberComparison(storage, key, 21.5);
    expect(rememberedComparison(storage, comparisonKey('wasm', entries({ ...kd, seed: 7 }, 3)))).toBe(21.5);
    expect(rememberedComparison(storage, comparisonKey('wasm', entries(kd, 9)))).toBeNull();
    expect(rememberedComparison(storage, comparisonKey('cpu', entries(kd, 3)))).toBeNull();
    expect(rememberedComparison(storage, comparisonKey('wasm', entries({ ...kd, kdRatio: 0.5 }, 3)))).toBeNull();
  });
});
