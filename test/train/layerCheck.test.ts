// The layer check behind the pickers: each term's pairs (its own or the reference ones) and the
// refusal, naming both layers and shapes, of a pair the method cannot read.
import { describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { architectureTaps, type Tap } from '../../src/models/taps';
import { checkTermLayers } from '../../src/train/layerCheck';

const DIGITS: [number, number, number] = [8, 8, 1];
const taps = (id: string): Tap[] => architectureTaps(getArchitecture(id), DIGITS, 10);
const student = taps('tiny-cnn');
const deeper = taps('small-cnn');
const teacher = taps('teacher-cnn');

describe('checkTermLayers', () => {
  it('reports the reference pairs and no problem for AT, RKD and a logit method', () => {
    const [at, rkd, kd] = checkTermLayers(
      [
        { method: 'at', weight: 1000, params: {} },
        { method: 'rkd', weight: 1, params: {} },
        { method: 'kd', weight: 0.9, params: {} },
      ],
      student,
      teacher,
      10,
    );
    expect(at).toMatchObject({ readsLayers: true, studentLayers: ['block1', 'block2'], teacherLayers: ['block1', 'block2'], problem: null });
    expect(rkd).toMatchObject({ readsLayers: true, studentLayers: ['embedding'], teacherLayers: ['embedding'], problem: null });
    expect(kd).toMatchObject({ readsLayers: false, studentLayers: [], teacherLayers: [], problem: null });
  });

  it('keeps a chosen pair and still reports the defaults', () => {
    const [check] = checkTermLayers([{ method: 'nst', weight: 50, params: {}, studentLayers: ['block1'], teacherLayers: ['block2'] }], student, teacher, 10);
    expect(check).toMatchObject({ studentLayers: ['block1'], teacherLayers: ['block2'], defaults: { studentLayers: ['block2'], teacherLayers: ['block2'] }, problem: null });
  });

  it('refuses AT on an embedding, naming both layers and shapes', () => {
    const [check] = checkTermLayers([{ method: 'at', weight: 1000, params: {}, studentLayers: ['embedding'], teacherLayers: ['block2'] }], student, teacher, 10);
    const embedding = student.find((tap) => tap.name === 'embedding')!;
    expect(check.problem).toContain(`student embedding [${embedding.shape.join(',')}]`);
    expect(check.problem).toContain('teacher block2 [8,8,64]');
  });

  it('refuses MGD on maps of different sizes through the loss’s own check', () => {
    // small-cnn's block3 is 4x4 on Digits; the teacher's block2 is 8x8.
    const [check] = checkTermLayers([{ method: 'mgd', weight: 1, params: {}, studentLayers: ['block3'], teacherLayers: ['block2'] }], deeper, teacher, 10);
    expect(check.problem).toMatch(/student block3 \[4,4,64\] with teacher block2 \[8,8,64\]/);
  });

  it('refuses a layer the network does not have and unequal pair counts', () => {
    const [missing, uneven] = checkTermLayers(
      [
        { method: 'fitnet', weight: 100, params: {}, studentLayers: ['block9'], teacherLayers: ['block2'] },
        { method: 'sp', weight: 3000, params: {}, studentLayers: ['block1', 'block2'], teacherLayers: ['block2'] },
      ],
      student,
      teacher,
      10,
    );
    expect(missing.problem).toMatch(/student has no layer "block9"/);
    expect(uneven.problem).toMatch(/pairs layers by position: got 2 student layers .* and 1 teacher layers/);
  });
});
