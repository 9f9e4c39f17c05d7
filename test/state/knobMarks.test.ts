// The loss chart's knob markers: the worker's step, and the new values in the chart's words.
import { describe, expect, it } from 'vitest';
import { GESTURE_GAP_MS, knobChangeLabel, knobMarks, labelRows } from '../../src/state/knobMarks';

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

describe('one mark per gesture', () => {
  it('a drag of T (values every 100 ms) is one mark where it was let go; a later drag and a change of another knob are marks of their own', () => {
    const drag = [4, 5, 6, 7, 8].map((temperature, i) => ({ step: 100 + 3 * i, params: { temperature }, receivedAt: 1000 + 100 * i }));
    const later = { step: 180, params: { temperature: 2 }, receivedAt: 1400 + GESTURE_GAP_MS };
    const ratio = { step: 181, kdRatio: 0.5, receivedAt: 1500 + GESTURE_GAP_MS };
    expect(knobMarks([...drag, later, ratio])).toEqual([
      { step: 112, label: 'T = 8' },
      { step: 180, label: 'T = 2' },
      { step: 181, label: 'kd_ratio = 0.5' },
    ]);
    // Without the time heard (a saved run's changes), every change keeps its mark.
    expect(knobMarks(drag.map(({ receivedAt: _, ...change }) => change))).toHaveLength(5);
  });
});

describe('label rows of close marks', () => {
  it('puts a mark close to the previous one on the next row, and a distant one back on the top row', () => {
    // A 1,000-step chart: marks within 120 steps of the previous crowd it.
    expect(labelRows([100, 101, 150, 600, 610], 1000)).toEqual([0, 1, 2, 0, 1]);
    // Four rows, then the top one again.
    expect(labelRows([10, 11, 12, 13, 14], 1000)).toEqual([0, 1, 2, 3, 0]);
    expect(labelRows([], 1000)).toEqual([]);
  });
});
