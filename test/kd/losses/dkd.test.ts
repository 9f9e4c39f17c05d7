// DKD (mdistiller dkd_loss): golden values and components from the PyTorch reference, a float64
// re-implementation of the reference formula, identities, extreme logits at T 1, dkdTerms'
// ownership. The contract every loss keeps is in contract.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod } from '../../../src/kd';
import { dkdTerms } from '../../../src/kd/losses/dkd';
import {
  expectClose,
  expectFinite,
  expectNoLeak,
  gradientReport,
  loadGolden,
  logSoftmax,
  randomMatrix,
  softmax,
  valueOf,
  type Nested2,
} from './lossTestKit';

const golden = loadGolden();

/** dkd_loss in float64 as mdistiller writes it: torch.log of masked sums, -1000 on the gt logit. */
function referenceDkd(student: Nested2, teacher: Nested2, labels: number[], alpha: number, beta: number, temperature: number) {
  const scale = (temperature * temperature) / student.length;
  let tckd = 0;
  let nckd = 0;
  student.forEach((row, b) => {
    const g = labels[b];
    const ps = softmax(row.map((v) => v / temperature));
    const pt = softmax(teacher[b].map((v) => v / temperature));
    const bs = [ps[g], ps.reduce((s, v, c) => (c === g ? s : s + v), 0)];
    const bt = [pt[g], pt.reduce((s, v, c) => (c === g ? s : s + v), 0)];
    bt.forEach((t, i) => {
      if (t > 0) tckd += t * (Math.log(t) - Math.log(bs[i]));
    });
    const shifted = (r: number[]) => r.map((v, c) => v / temperature - (c === g ? 1000 : 0));
    const qs = shifted(row);
    const qt = shifted(teacher[b]);
    const logQs = logSoftmax(qs);
    const pt2 = softmax(qt);
    pt2.forEach((t, c) => {
      if (t > 0) nckd += t * (Math.log(t) - logQs[c]);
    });
  });
  return { tckd: tckd * scale, nckd: nckd * scale, value: (alpha * tckd + beta * nckd) * scale };
}

function dkdValue(student: Nested2, teacher: Nested2, labels: number[], params?: Record<string, number>): number {
  return valueOf(
    tf.tidy(() =>
      computeDistillLoss(
        'dkd',
        { studentLogits: tf.tensor2d(student), teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, 'int32') },
        params,
      ),
    ),
  );
}

describe('dkd', () => {
  it('has the reference defaults: alpha 1, beta 8, T 4, warm-up over 20/240 of the run (mdistiller: 20 of 240 epochs), weight 1', () => {
    const method = getMethod('dkd');
    const defaults = Object.fromEntries(method.params.map((p) => [p.name, p.default]));
    expect(defaults).toEqual({ alpha: 1, beta: 8, temperature: 4, warmupFraction: 20 / 240, warmupEpochs: 0 });
    expect(method.defaultWeight).toBe(1);
    expect(method.kind).toBe('logits');
    expect(method.paper?.url).toMatch(/^https:\/\//);
  });

  describe('golden values from mdistiller (test/golden/losses.json)', () => {
    for (const goldenCase of golden ?? []) {
      const { student_logits: student, teacher_logits: teacher, labels } = goldenCase.inputs;
      for (const expected of goldenCase.expected.dkd) {
        const { alpha, beta, temperature } = expected.params;
        it(`${goldenCase.name}: alpha ${alpha}, beta ${beta}, T ${temperature}`, () => {
          expectClose(dkdValue(student, teacher, labels, { alpha, beta, temperature }), expected.value);
        });
        it(`${goldenCase.name}: components tckd and nckd at T ${temperature}`, () => {
          expectClose(dkdValue(student, teacher, labels, { alpha: 1, beta: 0, temperature }), expected.components.tckd);
          expectClose(dkdValue(student, teacher, labels, { alpha: 0, beta: 1, temperature }), expected.components.nckd);
          const terms = tf.tidy(() =>
            dkdTerms(
              { studentLogits: tf.tensor2d(student), teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, 'int32') },
              temperature,
            ),
          );
          expectClose(valueOf(terms.tckd), expected.components.tckd);
          expectClose(valueOf(terms.nckd), expected.components.nckd);
        });
      }
    }
  });

  it('matches a float64 re-implementation of dkd_loss on other inputs', () => {
    const student = randomMatrix(11, 6, 5, 2);
    const teacher = randomMatrix(12, 6, 5, 3);
    const labels = [0, 4, 2, 2, 1, 3];
    for (const [alpha, beta, temperature] of [
      [1, 8, 4],
      [2, 0.5, 1],
      [0.3, 3, 7.5],
    ]) {
      const expected = referenceDkd(student, teacher, labels, alpha, beta, temperature);
      expectClose(dkdValue(student, teacher, labels, { alpha, beta, temperature }), expected.value);
    }
  });

  it('is ~0 when the student equals the teacher at T 1 too (the contract checks the default T 4)', () => {
    const logits = randomMatrix(13, 8, 10, 3);
    const labels = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(Math.abs(dkdValue(logits, logits, labels, { temperature: 1 }))).toBeLessThan(1e-5);
  });

  it('does not apply the warmup factor (the training loop does)', () => {
    const student = randomMatrix(14, 4, 6);
    const teacher = randomMatrix(15, 4, 6);
    const labels = [0, 1, 2, 3];
    expect(dkdValue(student, teacher, labels, { warmupFraction: 0.01, warmupEpochs: 1 })).toBe(dkdValue(student, teacher, labels, { warmupFraction: 1, warmupEpochs: 200 }));
  });

  it('stays finite on extreme logits (+-50) and matches float64 there', () => {
    const student = [
      [50, -50, 0, -50],
      [-50, 50, -50, 50],
      [0, 0, 0, 0],
    ];
    const teacher = [
      [-50, 50, -50, 0],
      [50, -50, 50, -50],
      [50, -50, -50, -50],
    ];
    const labels = [1, 0, 3];
    for (const temperature of [1, 4]) {
      const value = dkdValue(student, teacher, labels, { temperature });
      expectClose(value, referenceDkd(student, teacher, labels, 1, 8, temperature).value);
    }
    const report = gradientReport([tf.tensor2d(student)], [tf.tensor2d(teacher)], ([s], [t]) => {
      const inputs = { studentLogits: s as tf.Tensor2D, teacherLogits: t as tf.Tensor2D, labels: tf.tensor1d(labels, 'int32') };
      return computeDistillLoss('dkd', inputs, { temperature: 1 });
    });
    expect(report.allGradientsFinite).toBe(true);
    expectFinite([report.value], 'loss');
  });

  it('dkdTerms leaves no tensor behind once its two terms are disposed', () => {
    const studentLogits = tf.tensor2d(randomMatrix(20, 4, 5));
    const teacherLogits = tf.tensor2d(randomMatrix(21, 4, 5));
    const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
    expectNoLeak(() => {
      const { tckd, nckd } = dkdTerms({ studentLogits, teacherLogits, labels }, 4);
      tckd.dispose();
      nckd.dispose();
    });
    tf.dispose([studentLogits, teacherLogits, labels]);
  });
});
