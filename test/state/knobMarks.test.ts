// The loss chart's knob markers: the worker's step, and the new values in the chart's words.
import { describe, expect, it } from 'vitest';
import { knobChangeLabel, knobMarks } from '../../src/state/knobMarks';

describe('knob change markers', () => {
  it('names the temperature T, a recipe term by its method, and rounds slider noise', () => {
    expect(knobChangeLabel({ step: 5, params: { temperature: 8 } })).toBe('T = 8');
    expect(knobChangeLabel({ step: 5, kdRatio: 0.35000000000000003 })).toBe('kd_ratio = 0.35');
    expect(knobChangeLabel({ step: 5, kdRatio: 1, params: { temperature: 20, 'dkd.beta': 4 } })).toBe('T = 20, dkd beta = 4, kd_ratio = 1');
  });

  it('keeps the step each change took effect at', () => {
    expect(knobMarks([{ step: 41, params: { temperature: 2 } }, { step: 90, kdRatio: 0 }])).toEqual([
      { step: 41, label: 'T = 2' },
      { step: 90, label: 'kd_ratio = 0' },
    ]);
  });
});
