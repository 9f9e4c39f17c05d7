// The method registry: ids, metadata that drives the UI, parameter resolution and validation.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, hasMethod, METHODS, paramProblem, resolveParams } from '../../src/kd';

describe('METHODS', () => {
  it('lists none and kd with unique ids', () => {
    const ids = METHODS.map((m) => m.id);
    expect(ids).toContain('none');
    expect(ids).toContain('kd');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every method a label, a summary and parameters whose defaults are in range', () => {
    for (const method of METHODS) {
      expect(method.label.length).toBeGreaterThan(0);
      expect(method.summary.length).toBeGreaterThan(0);
      const names = method.params.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      for (const param of method.params) {
        expect(param.min).toBeLessThan(param.max);
        expect(param.step).toBeGreaterThan(0);
        expect(param.help.length).toBeGreaterThan(0);
        expect(paramProblem(param, param.default)).toBeNull();
      }
    }
  });

  it('describes kd as a logits method with temperature 4 (RepDistiller default) and a paper', () => {
    const kd = getMethod('kd');
    expect(kd.kind).toBe('logits');
    expect(kd.params.map((p) => p.name)).toEqual(['temperature']);
    expect(kd.params[0].default).toBe(4);
    expect(kd.paper?.year).toBe(2015);
    expect(getMethod('none').kind).toBe('none');
    expect(getMethod('none').params).toHaveLength(0);
  });
});

describe('lookup', () => {
  it('refuses an unknown method and names the known ones', () => {
    expect(hasMethod('kd')).toBe(true);
    expect(hasMethod('nope')).toBe(false);
    expect(() => getMethod('nope')).toThrow(/Unknown method "nope".*kd/);
    const inputs = {
      studentLogits: tf.zeros([2, 3]) as tf.Tensor2D,
      teacherLogits: tf.zeros([2, 3]) as tf.Tensor2D,
      labels: tf.tensor1d([0, 1], 'int32'),
    };
    expect(() => computeDistillLoss('nope', inputs)).toThrow(/nope/);
    tf.dispose(Object.values(inputs));
  });

  it('none contributes exactly 0', () => {
    const inputs = {
      studentLogits: tf.tensor2d([[1, 2, 3]]),
      teacherLogits: tf.tensor2d([[3, 2, 1]]),
      labels: tf.tensor1d([0], 'int32'),
    };
    const loss = computeDistillLoss('none', inputs);
    expect(loss.dataSync()[0]).toBe(0);
    tf.dispose([loss, ...Object.values(inputs)]);
  });
});

describe('resolveParams', () => {
  it('fills defaults and keeps given values', () => {
    const kd = getMethod('kd');
    expect(resolveParams(kd)).toEqual({ temperature: 4 });
    expect(resolveParams(kd, { temperature: 2.5 })).toEqual({ temperature: 2.5 });
    expect(resolveParams(getMethod('none'))).toEqual({});
  });

  it('refuses a parameter the method does not have, listing its parameters', () => {
    expect(() => resolveParams(getMethod('kd'), { alpha: 1 })).toThrow(/"kd" has no parameter "alpha".*temperature/);
    expect(() => resolveParams(getMethod('none'), { temperature: 4 })).toThrow(/none\)/);
  });
});

describe('paramProblem', () => {
  const temperature = getMethod('kd').params[0];

  it('refuses 0 and negatives for an exclusive minimum, and values above the maximum', () => {
    expect(paramProblem(temperature, 0)).toMatch(/Temperature.*greater than 0/);
    expect(paramProblem(temperature, -1)).toMatch(/greater than 0/);
    expect(paramProblem(temperature, temperature.max + 1)).toMatch(/at most/);
    expect(paramProblem(temperature, Number.NaN)).toMatch(/finite/);
    expect(paramProblem(temperature, 0.01)).toBeNull();
  });

  it('accepts the minimum itself when it is inclusive', () => {
    const weight = { label: 'Weight', min: 0, max: 10 };
    expect(paramProblem(weight, 0)).toBeNull();
    expect(paramProblem(weight, -0.001)).toMatch(/Weight must be at least 0/);
  });
});
