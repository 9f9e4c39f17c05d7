// The URL codec for the training knobs: the step budget and the separate validation / test
// limits reopen the same run; numbers that are not decimal or out of bounds fall back.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { decodeConfig, encodeConfig } from '../../src/state/url';

const roundTrip = (config: ExperimentConfig) => decodeConfig(encodeConfig(config).toString());

describe('URL training knobs', () => {
  it('steps, val_limit and test_limit are separate keys and reopen the same configuration', () => {
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, steps: 500, valLimit: 100, testLimit: 200 };
    const query = encodeConfig(config);
    expect(query.get('steps')).toBe('500');
    expect(query.get('val_limit')).toBe('100');
    expect(query.get('test_limit')).toBe('200');
    expect(roundTrip(config)).toEqual(config);
    const testOnly = decodeConfig('test_limit=50');
    expect(testOnly.testLimit).toBe(50);
    expect(testOnly.valLimit).toBeUndefined();
  });

  it('refuses integer knobs beyond their bounds (epochs=1e9) and non-decimal numbers (0x10)', () => {
    expect(decodeConfig('epochs=1e9').epochs).toBe(DEFAULT_CONFIG.epochs);
    expect(decodeConfig('epochs=1e3').epochs).toBe(1000);
    expect(decodeConfig('steps=1e9').steps).toBeUndefined();
    expect(decodeConfig('val_limit=0').valLimit).toBeUndefined();
    expect(decodeConfig('batch=0x10').batchSize).toBe(DEFAULT_CONFIG.batchSize);
    expect(decodeConfig('lr=0x10').lr).toBe(DEFAULT_CONFIG.lr);
    expect(decodeConfig('lr=.01').lr).toBe(0.01);
    expect(decodeConfig('train_limit=100.5').trainLimit).toBeUndefined();
  });

  it("kd's kd_ratio above 1 falls back (the soft-label share); an additive method keeps its weight", () => {
    expect(decodeConfig('method=kd&kd_ratio=2').kdRatio).toBe(DEFAULT_CONFIG.kdRatio);
    expect(decodeConfig('method=kd&kd_ratio=1').kdRatio).toBe(1);
    expect(decodeConfig('method=dkd&kd_ratio=2').kdRatio).toBe(2);
    expect(roundTrip({ ...withMethod(DEFAULT_CONFIG, 'dkd'), kdRatio: 3 }).kdRatio).toBe(3);
  });
});
