// The preset table and the classroom `hide=` flag: pure functions over configurations.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../../src/train/config';
import { applyPreset, getPreset, PRESET_KEEPS, PRESETS, presetSeeds, sweepRuns } from '../../src/state/presets';
import { parseHiddenControls } from '../../src/state/classroom';

const scratch: ExperimentConfig = { ...DEFAULT_CONFIG, dataset: 'fashion-mnist', method: 'none', params: {}, kdRatio: 0.3, epochs: 7, seed: 42, trainLimit: 500 };

describe('presets', () => {
  it('each gives a configuration that validates, from the defaults and from a scratch run', () => {
    for (const preset of PRESETS) {
      for (const start of [DEFAULT_CONFIG, scratch]) {
        expect(validateConfig(applyPreset(start, preset)), preset.id).toEqual([]);
      }
    }
  });

  it('Hinton 2015: MNIST, kd at T = 20, mostly soft targets, an MLP student', () => {
    const config = applyPreset(scratch, getPreset('hinton-2015'));
    expect(config).toMatchObject({ dataset: 'mnist', method: 'kd', student: 'mlp', params: { temperature: 20 } });
    // docs/ARCHITECTURE.md §4.2: below 1, kd_ratio r trains (1 - r)·CE + r·KD
    expect(config.kdRatio).toBeGreaterThan(0.5);
    expect(config.kdRatio).toBeLessThan(1);
  });

  it('RepDistiller: T 4, kd_ratio 0.9 and its optimizer, keeping the dataset and the student', () => {
    const start = { ...scratch, student: 'small-cnn' };
    const config = applyPreset(start, getPreset('repdistiller'));
    expect(config).toMatchObject({ dataset: 'fashion-mnist', student: 'small-cnn', method: 'kd', params: { temperature: 4 }, kdRatio: 0.9 });
    expect(config).toMatchObject({ optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 64 });
  });

  it('soft vs hard labels: 200 Digits images, KD at T = 20, runs at kd_ratio 0.5 / 1 that differ in kd_ratio only (kd_ratio 0 is the scratch baseline), over 3 seeds', () => {
    const preset = getPreset('soft-vs-hard');
    const config = applyPreset(scratch, preset);
    expect(config).toMatchObject({ dataset: 'digits', method: 'kd', kdRatio: 1, params: { temperature: 20 }, trainLimit: 200, epochs: 40 });
    expect(preset.seeds).toBe(3);
    const runs = sweepRuns(config, preset);
    expect(runs.map((run) => run.config.kdRatio)).toEqual([0.5, 1]);
    for (const run of runs) {
      expect({ ...run.config, kdRatio: config.kdRatio }).toEqual(config);
      expect(validateConfig(run.config)).toEqual([]);
    }
    expect(runs[0].label).toMatch(/half/i);
    expect(runs[1].label).toMatch(/soft/i);
    // kd at kd_ratio 0 trains CE alone: the comparison's scratch student, which is always a row.
    expect(preset.description).toMatch(/from scratch/);
    expect(sweepRuns(config, getPreset('hinton-2015'))).toEqual([]);
  });

  it('keeps the run length, seed and limits it does not name', () => {
    const config = applyPreset(scratch, getPreset('hinton-2015'));
    expect(config).toMatchObject({ epochs: 7, seed: 42, trainLimit: 500 });
  });

  it('the same click gives the same run whatever was set before: soft vs hard after RepDistiller is soft vs hard from the defaults', () => {
    const softVsHard = getPreset('soft-vs-hard');
    const fresh = applyPreset(DEFAULT_CONFIG, softVsHard);
    const afterRepDistiller = applyPreset(applyPreset(DEFAULT_CONFIG, getPreset('repdistiller')), softVsHard);
    expect(afterRepDistiller).toEqual(fresh);
    expect(afterRepDistiller).toMatchObject({ optimizer: DEFAULT_CONFIG.optimizer, lr: DEFAULT_CONFIG.lr, weightDecay: DEFAULT_CONFIG.weightDecay });
  });

  it('resets every knob outside PRESET_KEEPS: extras, optimizer and schedule of an earlier set-up do not survive', () => {
    const busy: ExperimentConfig = {
      ...scratch,
      optimizer: 'sgd',
      lr: 0.2,
      momentum: 0.5,
      weightDecay: 0.01,
      lrSchedule: 'cosine',
      batchSize: 16,
      augment: true,
      emaDecay: 0.99,
      rdropAlpha: 1,
      ttaShift: 2,
      labelledFraction: 0.5,
      method: 'dml',
      peerStudent: 'mlp',
    };
    for (const preset of PRESETS) {
      const fromBusy = applyPreset(busy, preset);
      // Only the kept knobs may differ between the two starting points.
      const fromDefaults = applyPreset({ ...DEFAULT_CONFIG, ...Object.fromEntries(PRESET_KEEPS.filter((k) => k in busy).map((k) => [k, busy[k as keyof ExperimentConfig]])) }, preset);
      expect(fromBusy, preset.id).toEqual(fromDefaults);
      for (const extra of ['emaDecay', 'rdropAlpha', 'ttaShift', 'labelledFraction', 'peerStudent'] as const) expect(fromBusy[extra], `${preset.id} ${extra}`).toBeUndefined();
      expect(fromBusy.augment).toBe(false);
      expect(fromBusy).toMatchObject(preset.run ? { seed: 42, ...preset.run } : { epochs: 7, seed: 42, trainLimit: 500 });
    }
  });

  it('a classroom demo sets its whole run: length, images and omitted classes, whatever was set before', () => {
    const busy: ExperimentConfig = { ...scratch, dataset: 'mnist', omitClasses: [5], valLimit: 50, testLimit: 50, steps: 9, evalEvery: 3 };
    for (const id of ['soft-vs-hard', 'never-seen']) {
      const preset = getPreset(id);
      const fromBusy = applyPreset(busy, preset);
      expect(fromBusy, id).toEqual(applyPreset({ ...DEFAULT_CONFIG, seed: busy.seed }, preset));
      for (const key of ['valLimit', 'testLimit', 'steps'] as const) expect(fromBusy[key], `${id} ${key}`).toBeUndefined();
    }
    expect(applyPreset(busy, getPreset('never-seen'))).toMatchObject({ dataset: 'digits', omitClasses: [3], method: 'kd', kdRatio: 1, params: { temperature: 20 } });
    expect(applyPreset(busy, getPreset('never-seen')).trainLimit).toBeUndefined();
    expect(applyPreset(busy, getPreset('soft-vs-hard')).omitClasses).toBeUndefined();
  });

  it('drops a recipe and layer choices: a preset is a single method', () => {
    const recipe: ExperimentConfig = { ...DEFAULT_CONFIG, terms: [{ method: 'kd', weight: 0.9, params: { temperature: 4 } }], studentLayers: ['block2'] };
    const config = applyPreset(recipe, getPreset('repdistiller'));
    expect(config.terms).toBeUndefined();
    expect(config.studentLayers).toBeUndefined();
  });

  it('Hinton 2015 offers a short version: the same set-up on 6,000 MNIST images for 2 epochs, whatever the run before', () => {
    const preset = getPreset('hinton-2015');
    const short = applyPreset(scratch, preset, 'short');
    expect(short).toEqual({ ...applyPreset(scratch, preset), ...preset.short!.run, valLimit: undefined, testLimit: undefined, steps: undefined, omitClasses: undefined });
    expect(short).toMatchObject({ dataset: 'mnist', student: 'mlp', trainLimit: 6000, epochs: 2 });
    expect(applyPreset({ ...scratch, trainLimit: 77, steps: 5 }, preset, 'short')).toEqual(short);
    expect(validateConfig(short)).toEqual([]);
  });

  it('the classroom demos offer a short version: half the epochs, the same images, omitted classes and seeds', () => {
    const race = getPreset('soft-vs-hard');
    const raceShort = applyPreset(scratch, race, 'short');
    expect(raceShort).toEqual({ ...applyPreset(scratch, race), epochs: 20, evalEvery: 6 });
    expect(presetSeeds(race, 'short')).toBe(3);
    expect(presetSeeds(race)).toBe(3);
    const omit = getPreset('never-seen');
    const omitShort = applyPreset({ ...scratch, trainLimit: 77, omitClasses: [5] }, omit, 'short');
    expect(omitShort).toEqual({ ...applyPreset(scratch, omit), epochs: 10 });
    expect(omitShort.omitClasses).toEqual([3]);
    expect(presetSeeds(omit, 'short')).toBe(1);
    for (const config of [raceShort, omitShort]) expect(validateConfig(config)).toEqual([]);
  });

  it('refuses an unknown preset id', () => {
    expect(() => getPreset('nope')).toThrow(/Unknown preset/);
  });
});

describe('parseHiddenControls', () => {
  it('maps knob keys, URL names, method parameters and panels', () => {
    const hidden = parseHiddenControls('lr,epochs,optimizer,method,kd_ratio,temperature,training');
    expect([...hidden.testIds].sort()).toEqual(['epochs-input', 'kd-ratio-input', 'lr-input', 'method-select', 'optimizer-select', 'temperature-input'].sort());
    expect([...hidden.panels]).toEqual(['training']);
    expect(hidden.unknown).toEqual([]);
  });

  it('accepts the camel-case key as well, ignores blanks and reports names it does not know', () => {
    const hidden = parseHiddenControls(' kdRatio , ,bogus,Data');
    expect([...hidden.testIds]).toEqual(['kd-ratio-input']);
    expect([...hidden.panels]).toEqual(['data']);
    expect(hidden.names).toEqual(['kdRatio', 'Data']);
    expect(hidden.unknown).toEqual(['bogus']);
  });

  it('hides nothing without the flag', () => {
    const hidden = parseHiddenControls(null);
    expect(hidden.testIds.size + hidden.panels.size).toBe(0);
  });
});
