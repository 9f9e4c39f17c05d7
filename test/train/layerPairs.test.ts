// Layer pairs: the references' default per method, the refusals (before training, naming both
// shapes), and the plan's learnable parts.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../src/kd';
import { getArchitecture } from '../../src/models/architectures';
import { architectureTaps, type Tap } from '../../src/models/taps';
import { buildDistillPlan, resolveLayerPairs } from '../../src/train/distillPlan';
import { defaultLayerPairs } from '../../src/kd/layerDefaults';
import { pairSizeProblem } from '../../src/train/layerPairs';
import { CLASSES, config, SHAPE } from './fixtures';

const taps = (id: string, shape: [number, number, number] = SHAPE): Tap[] => architectureTaps(getArchitecture(id), shape, CLASSES);
const teacher = taps('teacher-cnn');

describe('defaultLayerPairs (the references’ choice)', () => {
  it.each([
    ['at', ['block1', 'block2'], ['block1', 'block2']],
    ['sp', ['block1', 'block2'], ['block1', 'block2']],
    ['nst', ['block2'], ['block2']],
    ['fitnet', ['block2'], ['block2']],
    ['vid', ['block2'], ['block2']],
    ['mgd', ['block2'], ['block2']],
    ['afd', ['block1', 'block2'], ['block1', 'block2']],
    ['udml', ['block2'], ['block1']],
    ['rkd', ['embedding'], ['embedding']],
    ['pkt', ['embedding'], ['embedding']],
    ['irg', ['embedding'], ['embedding']],
    ['kd', [], []],
    ['dkd', [], []],
    ['dist', [], []],
    ['dml', [], []],
    ['none', [], []],
  ])('%s on tiny-cnn <- teacher-cnn: student %j, teacher %j', (method, studentLayers, teacherLayers) => {
    expect(defaultLayerPairs(method, taps('tiny-cnn'), teacher)).toEqual({ studentLayers, teacherLayers });
  });

  it('takes the last blocks of a deeper student; MGD pairs the teacher block with a student block of its size', () => {
    const student = taps('small-cnn'); // block3 is 4x4, the teacher's block2 is 8x8
    expect(defaultLayerPairs('at', student, teacher)).toEqual({ studentLayers: ['block2', 'block3'], teacherLayers: ['block1', 'block2'] });
    expect(defaultLayerPairs('fitnet', student, teacher)).toEqual({ studentLayers: ['block3'], teacherLayers: ['block2'] });
    expect(defaultLayerPairs('mgd', student, teacher)).toEqual({ studentLayers: ['block2'], teacherLayers: ['block2'] });
    // 28x28: MGD's same-size rule finds small-cnn's 14x14 block2 for the teacher's 14x14 block2.
    expect(defaultLayerPairs('mgd', taps('small-cnn', [28, 28, 1]), taps('teacher-cnn', [28, 28, 1]))).toEqual({
      studentLayers: ['block2'],
      teacherLayers: ['block2'],
    });
  });

  it('AFD takes every block (up to three) of each network; UDML the student block of its peer\'s last block\'s shape', () => {
    expect(defaultLayerPairs('afd', taps('small-cnn'), taps('teacher-resnet'))).toEqual({
      studentLayers: ['block1', 'block2', 'block3'],
      teacherLayers: ['block1', 'block2', 'block3'],
    });
    expect(defaultLayerPairs('afd', taps('small-cnn'), teacher)).toEqual({ studentLayers: ['block2', 'block3'], teacherLayers: ['block1', 'block2'] });
    // small-cnn's block2 [8,8,32] has the shape of tiny-cnn's last block; its last block3 [4,4,64] has not.
    expect(defaultLayerPairs('udml', taps('small-cnn'), taps('tiny-cnn'))).toEqual({ studentLayers: ['block2'], teacherLayers: ['block2'] });
    // The other way round: small-cnn's block3 has no twin in tiny-cnn; its block2 has.
    expect(defaultLayerPairs('udml', taps('tiny-cnn'), taps('small-cnn'))).toEqual({ studentLayers: ['block2'], teacherLayers: ['block2'] });
    expect(defaultLayerPairs('udml', taps('small-cnn'), taps('small-cnn'))).toEqual({ studentLayers: ['block3'], teacherLayers: ['block3'] });
    // Against teacher-cnn (the table above): tiny-cnn's block2 [8,8,32] has the shape of its block1.
    expect(defaultLayerPairs('udml', taps('tiny-cnn'), teacher)).toEqual({ studentLayers: ['block2'], teacherLayers: ['block1'] });
  });

  it('gives every method with a layer reader a default that its own checks accept (tiny-cnn and small-cnn students; a mutual method\'s peer of the student\'s architecture)', () => {
    for (const student of ['tiny-cnn', 'small-cnn']) {
      for (const method of METHODS.filter((m) => m.layers.reads !== 'logits')) {
        const built = getArchitecture(student).build(SHAPE, CLASSES, 1);
        const teacherModel = getArchitecture(method.kind === 'mutual' ? student : 'teacher-cnn').build(SHAPE, CLASSES, 2);
        const plan = buildDistillPlan(config({ method: method.id, params: {}, student }), built, teacherModel, CLASSES);
        expect(plan.terms[0].studentLayers.length, `${method.id} on ${student}`).toBeGreaterThan(0);
        plan.dispose();
        built.dispose();
        teacherModel.dispose();
      }
    }
  });

  it('an MLP student has no blocks: feature methods get no default, relation methods its embedding', () => {
    expect(defaultLayerPairs('at', taps('mlp'), teacher)).toEqual({ studentLayers: [], teacherLayers: [] });
    expect(defaultLayerPairs('rkd', taps('mlp'), teacher)).toEqual({ studentLayers: ['embedding'], teacherLayers: ['embedding'] });
  });
});

describe('refusals before training', () => {
  function planFor(overrides: Parameters<typeof config>[0], student = 'tiny-cnn'): () => void {
    return () => {
      const models: tfl.LayersModel[] = [getArchitecture(student).build(SHAPE, CLASSES, 1), getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 2)];
      try {
        buildDistillPlan(config({ student, ...overrides }), models[0], models[1], CLASSES).dispose();
      } finally {
        models.forEach((m) => m.dispose());
      }
    };
  }

  it('MGD on maps of different sizes names both layers and both shapes', () => {
    expect(planFor({ method: 'mgd', params: {}, studentLayers: ['block3'] }, 'small-cnn')).toThrow(
      /MGD \(masked generative\) cannot use student block3 \[4,4,64\] with teacher block2 \[8,8,64\]: .*same height and width/,
    );
  });

  it('a feature method given an embedding names both shapes', () => {
    expect(planFor({ method: 'at', params: {}, studentLayers: ['embedding'], teacherLayers: ['block2'] })).toThrow(
      /AT \(attention transfer\) reads feature maps .* cannot use student embedding \[512\] with teacher block2 \[8,8,64\]/,
    );
  });

  it('refuses unknown layers (listing the taps), unequal counts, layers for a logit method and a wrong IRG count', () => {
    expect(planFor({ method: 'at', params: {}, studentLayers: ['block9'], teacherLayers: ['block1'] })).toThrow(
      /the student has no layer "block9" \(its layers: block1 \[8,8,16\], block2 \[8,8,32\], embedding \[512\], logits \[4\]\)/,
    );
    expect(planFor({ method: 'sp', params: {}, studentLayers: ['block1', 'block2'], teacherLayers: ['block2'] })).toThrow(
      /pairs layers by position: got 2 student layers \(block1, block2\) and 1 teacher layers \(block2\)/,
    );
    expect(planFor({ method: 'kd', studentLayers: ['block1'] })).toThrow(/reads only the logits/);
    expect(planFor({ method: 'irg', params: {}, studentLayers: ['block2', 'embedding'], teacherLayers: ['block2', 'embedding'] })).toThrow(
      /IRG .* takes 1 or 3 layer\(s\) per network .*student block2 \[8,8,32\] with teacher block2 \[8,8,64\]/,
    );
    expect(planFor({ method: 'at', params: {} }, 'mlp')).toThrow(/AT .* needs at least one layer of each network, and the student has none/);
  });

  it('AFD refuses a single pair (its attention would be 1); UDML maps of two shapes', () => {
    expect(planFor({ method: 'afd', params: {}, studentLayers: ['block2'], teacherLayers: ['block2'] })).toThrow(
      /AFD .* needs at least 2 layers of each network .*; got student block2 \[8,8,32\] with teacher block2 \[8,8,64\]/,
    );
    expect(planFor({ method: 'afd', params: {}, studentLayers: ['block1', 'block2'], teacherLayers: ['block2', 'block1'] })).not.toThrow();
    // UDML's other side is the peer student (here a teacher-cnn as peer): its refusals name the peer, not a teacher.
    expect(planFor({ method: 'udml', params: {}, studentLayers: ['block2'], teacherLayers: ['block2'] })).toThrow(
      /^UDML .* cannot use student block2 \[8,8,32\] with peer block2 \[8,8,64\]: UDML pair 1: student \[8,8,32\] and peer \[8,8,64\] must have the same shape/,
    );
  });

  it('names the peer, never a teacher, in a mutual method’s layer refusals', () => {
    const student = taps('tiny-cnn');
    const udml = (layers: { studentLayers?: string[]; teacherLayers?: string[] }, peer = student) => () => resolveLayerPairs({ method: 'udml', weight: 1, params: {}, ...layers }, student, peer);
    expect(udml({ studentLayers: ['block1'], teacherLayers: ['block9'] })).toThrow(/UDML .*: the peer has no layer "block9" \(its layers: block1/);
    expect(udml({ studentLayers: ['block1', 'block2'], teacherLayers: ['block2'] })).toThrow(/got 2 student layers \(block1, block2\) and 1 peer layers \(block2\)/);
    expect(udml({}, taps('mlp'))).toThrow(/needs at least one layer of each network, and the peer has none it can use by default/);
    expect(udml({}, student)).not.toThrow();
    expect(() => resolveLayerPairs({ method: 'dml', weight: 1, params: {}, studentLayers: ['block1'] }, student, student)).toThrow(/DML .* reads only the logits: it takes no student or peer layers/);
    expect(pairSizeProblem('udml', student[0], teacher[0])).toMatch(/^UDML .* compares two maps of one shape: student block1 \[8,8,16\] and peer block1 \[8,8,32\]$/);
  });

  it('blames the network that lacks the layers: a teacher without conv blocks, a student without, or both', () => {
    const student = taps('tiny-cnn');
    const flatTeacher = taps('mlp');
    expect(() => resolveLayerPairs({ method: 'at', weight: 1, params: {} }, student, flatTeacher)).toThrow(/needs at least one layer of each network, and the teacher has none it can use by default \(its layers: embedding/);
    expect(() => resolveLayerPairs({ method: 'at', weight: 1, params: {} }, flatTeacher, teacher)).toThrow(/and the student has none it can use by default/);
    expect(() => resolveLayerPairs({ method: 'at', weight: 1, params: {} }, flatTeacher, flatTeacher)).toThrow(/and neither network has one it can use by default \(student layers: .*; teacher layers: /);
  });

  it('accepts IRG with two feature pairs before the embedding and a relation method on a flattened block', () => {
    expect(planFor({ method: 'irg', params: {}, studentLayers: ['block1', 'block2', 'embedding'], teacherLayers: ['block1', 'block2', 'embedding'] })).not.toThrow();
    expect(planFor({ method: 'rkd', params: {}, studentLayers: ['block2'], teacherLayers: ['embedding'] })).not.toThrow();
  });

  it('a refused plan allocates nothing', () => {
    const before = tf.memory().numTensors;
    const student = getArchitecture('small-cnn').build(SHAPE, CLASSES, 1);
    const teacherModel = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 2);
    const withModels = tf.memory().numTensors;
    expect(() => buildDistillPlan(config({ method: 'mgd', params: {}, student: 'small-cnn', studentLayers: ['block3'] }), student, teacherModel, CLASSES)).toThrow();
    expect(tf.memory().numTensors).toBe(withModels);
    student.dispose();
    teacherModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the plan', () => {
  it('builds learnable parts for fitnet, mgd, vid and afd only, seeded from config.seed, and frees them', () => {
    const student = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 1);
    const teacherModel = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 2);
    const before = tf.memory().numTensors;
    const counts: Record<string, number> = {};
    for (const method of ['fitnet', 'mgd', 'vid', 'afd', 'at', 'rkd']) {
      const plan = buildDistillPlan(config({ method, params: {} }), student, teacherModel, CLASSES);
      counts[method] = plan.learnableVariables.length;
      expect(plan.learnableVariables.every((v) => v.trainable)).toBe(true);
      plan.dispose();
    }
    // fitnet: 1x1 conv + bias; mgd: align conv (32 -> 64) + two generator convs, each with bias; vid: 3 convs + log scale;
    // afd on two pairs: two keys and two queries (kernel, scale, shift), the bilinear map (kernel, scale), p_t and p_s.
    expect(counts).toEqual({ fitnet: 2, mgd: 6, vid: 4, afd: 16, at: 0, rkd: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const values = (seed: number) => {
      const plan = buildDistillPlan(config({ method: 'fitnet', params: {}, seed }), student, teacherModel, CLASSES);
      const kernel = Array.from(plan.learnableVariables[0].dataSync());
      plan.dispose();
      return kernel;
    };
    expect(values(3)).toEqual(values(3));
    expect(values(3)).not.toEqual(values(4));
    student.dispose();
    teacherModel.dispose();
  });

  it('a recipe taps the union of its layers once and resolves each term', () => {
    const student = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 1);
    const teacherModel = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 2);
    const plan = buildDistillPlan(
      config({
        terms: [
          { method: 'kd', weight: 0.9, params: {} },
          { method: 'at', weight: 1000, params: { p: 3 } },
          { method: 'rkd', weight: 1, params: {} },
        ],
      }),
      student,
      teacherModel,
      CLASSES,
    );
    expect(plan.studentTaps?.names).toEqual(['block1', 'block2', 'embedding']);
    expect(plan.terms.map((t) => [t.method, t.weight, t.studentLayers, t.params])).toEqual([
      ['kd', 0.9, [], { temperature: 4 }],
      ['at', 1000, ['block1', 'block2'], { p: 3 }],
      ['rkd', 1, ['embedding'], { wDistance: 25, wAngle: 50 }],
    ]);
    expect(resolveLayerPairs({ method: 'nst', weight: 1, params: {}, teacherLayers: ['block1'] }, taps('tiny-cnn'), teacher)).toEqual({
      studentLayers: ['block2'],
      teacherLayers: ['block1'],
    });
    plan.dispose();
    student.dispose();
    teacherModel.dispose();
  });
});
