// The URL codec for the method panel's fields: layer pairs, recipes, the DML peer and the
// labelled fraction reopen the same set-up; values that make no sense fall back, never throw.
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../src/kd';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { decodeConfig, encodeConfig } from '../../src/state/url';

const roundTrip = (config: ExperimentConfig) => decodeConfig(encodeConfig(config).toString());

describe('URL round trip of the method fields', () => {
  it.each(METHODS.map((m) => m.id))('%s with its defaults reopens the same configuration', (id) => {
    const config = withMethod(DEFAULT_CONFIG, id);
    expect(roundTrip(config)).toEqual(config);
  });

  it('a single method with chosen layers', () => {
    const config: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'at'), params: { p: 3 }, studentLayers: ['block1', 'block2'], teacherLayers: ['block2', 'block2'] };
    const query = encodeConfig(config);
    expect(query.get('student_layers')).toBe('block1,block2');
    expect(query.get('teacher_layers')).toBe('block2,block2');
    expect(query.get('p')).toBe('3');
    expect(roundTrip(config)).toEqual(config);
  });

  it('a recipe: kd 0.9 + at 1000 with its own parameters and layers', () => {
    const config: ExperimentConfig = {
      ...DEFAULT_CONFIG,
      method: 'kd',
      kdRatio: 0.9,
      params: { temperature: 2 },
      terms: [
        { method: 'kd', weight: 0.9, params: { temperature: 2 } },
        { method: 'at', weight: 1000, params: { p: 3 }, studentLayers: ['block2'], teacherLayers: ['block1'] },
      ],
    };
    const query = encodeConfig(config);
    expect(query.get('recipe')).toBe('kd:0.9,at:1000');
    expect(query.get('kd.temperature')).toBe('2');
    expect(query.get('at.p')).toBe('3');
    expect(query.get('at.student_layers')).toBe('block2');
    expect(query.get('at.teacher_layers')).toBe('block1');
    const decoded = roundTrip(config);
    expect(decoded).toEqual(config);
    expect(decoded.studentLayers).toBeUndefined();
  });

  it('the single-method fields mirror the first term of a decoded recipe', () => {
    const decoded = decodeConfig('method=none&kd_ratio=0&recipe=dkd:2,sp:3000&dkd.beta=4');
    expect(decoded.terms).toEqual([
      { method: 'dkd', weight: 2, params: { alpha: 1, beta: 4, temperature: 4, warmupFraction: 20 / 240, warmupEpochs: 0 } },
      { method: 'sp', weight: 3000, params: {} },
    ]);
    expect(decoded).toMatchObject({ method: 'dkd', kdRatio: 2, params: { beta: 4 } });
  });

  it('DML: the peer student travels, and only with dml', () => {
    const dml: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'dml'), peerStudent: 'small-cnn' };
    expect(encodeConfig(dml).get('peer_student')).toBe('small-cnn');
    expect(roundTrip(dml)).toEqual(dml);
    expect(encodeConfig({ ...DEFAULT_CONFIG, peerStudent: 'small-cnn' }).get('peer_student')).toBeNull();
    expect(decodeConfig('method=dml&peer_student=resnet').peerStudent).toBeUndefined();
  });

  it('the labelled fraction: kept in (0, 1], dropped outside', () => {
    const config: ExperimentConfig = { ...DEFAULT_CONFIG, labelledFraction: 0.25 };
    expect(encodeConfig(config).get('labelled_fraction')).toBe('0.25');
    expect(roundTrip(config)).toEqual(config);
    expect(decodeConfig('labelled_fraction=1.5').labelledFraction).toBeUndefined();
    expect(decodeConfig('labelled_fraction=0').labelledFraction).toBeUndefined();
    expect(decodeConfig('labelled_fraction=half').labelledFraction).toBeUndefined();
    expect(decodeConfig('labelled_fraction=1').labelledFraction).toBe(1);
  });

  it('a recipe keeps only the terms that make sense', () => {
    const decoded = decodeConfig('recipe=kd:0.9,magic:2,dml,none:1,kd:0.5,at:-1,sp:x:y&at.p=99&kd.student_layers=block1');
    // magic is unknown, dml and none cannot be terms, kd twice keeps the first, at -1 falls back to
    // its reference weight and p=99 (out of range) to its default; kd reads no layers.
    expect(decoded.terms).toEqual([
      { method: 'kd', weight: 0.9, params: { temperature: 4 } },
      { method: 'at', weight: 1000, params: { p: 2 } },
    ]);
  });

  it('layers are dropped for a method that reads only the logits, and empty names are refused', () => {
    expect(decodeConfig('method=kd&student_layers=block1&teacher_layers=block1').studentLayers).toBeUndefined();
    expect(decodeConfig('method=at&student_layers=block1,,block2').studentLayers).toBeUndefined();
    expect(decodeConfig('method=at&student_layers=block1,block2').studentLayers).toEqual(['block1', 'block2']);
  });

  it('an empty or unusable recipe leaves the single method', () => {
    expect(decodeConfig('method=at&recipe=').terms).toBeUndefined();
    expect(decodeConfig('method=at&recipe=dml,none').terms).toBeUndefined();
    expect(decodeConfig('method=at&recipe=dml,none').method).toBe('at');
  });
});

describe('the weight of a linked method', () => {
  it('is the method’s reference weight when the link gives none', () => {
    expect(decodeConfig('method=at').kdRatio).toBe(1000);
    expect(decodeConfig('method=pkt').kdRatio).toBe(30000);
    expect(decodeConfig('method=at&kd_ratio=5').kdRatio).toBe(5);
    expect(decodeConfig('method=kd').kdRatio).toBe(0.9);
    expect(decodeConfig('method=none').kdRatio).toBe(DEFAULT_CONFIG.kdRatio);
  });
});
