// The export's networks as data (src/export/networks.ts) against the lab's own: the layers the
// tfjs builders make, their taps, and the layer pairs the training plan resolves for every
// method, student and dataset shape. A change to architectures.ts or distillPlan.ts that the
// export does not follow fails here.
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../src/models/architectures';
import { listTaps } from '../../src/models/taps';
import { resolveLayerPairs } from '../../src/train/distillPlan';
import { METHODS } from '../../src/kd';
import { serializeModel } from '../../src/models/io';
import { architectureNetwork, networkFromModelJson, networkTaps, resolveTermLayers } from '../../src/export/networks';
import { RDROP_RATE } from '../../src/export/trainScript';
import { RDROP_DROPOUT_RATE } from '../../src/train/rdrop';
import type { InputShape } from '../../src/models/architectureSpecs';

const SHAPES: InputShape[] = [
  [8, 8, 1],
  [28, 28, 1],
];

describe('the export\'s networks', () => {
  it('are the layers the tfjs builders make, with the same taps', async () => {
    for (const shape of SHAPES) {
      for (const arch of ARCHITECTURES) {
        const model = arch.build(shape, 10, 1);
        const files = await serializeModel(model);
        const fromModel = networkFromModelJson(files.modelJson);
        const fromId = architectureNetwork(arch.id, shape, 10);
        expect(fromModel.layers, `${arch.id} on ${shape}`).toEqual(fromId.layers);
        expect(networkTaps(fromId), `${arch.id} taps on ${shape}`).toEqual(listTaps(model));
        const weights = model.getWeights().length;
        expect(fromId.layers.filter((l) => l.kind === 'conv' || l.kind === 'dense').length * 2, `${arch.id}: kernel and bias per layer`).toBe(weights);
        model.dispose();
      }
    }
  });

  it('pair layers as the training plan does for every method (defaults and given layers)', () => {
    for (const shape of SHAPES) {
      const teacherModel = ARCHITECTURES.find((a) => a.id === 'teacher-cnn')!.build(shape, 10, 1);
      const teacherTaps = listTaps(teacherModel);
      for (const student of ARCHITECTURES.filter((a) => a.role === 'student')) {
        const studentModel = student.build(shape, 10, 1);
        const studentTaps = listTaps(studentModel);
        const network = networkTaps(architectureNetwork(student.id, shape, 10));
        const teacherNetwork = networkTaps(architectureNetwork('teacher-cnn', shape, 10));
        for (const method of METHODS) {
          const terms = [
            { method: method.id, weight: 1, params: {} },
            { method: method.id, weight: 1, params: {}, studentLayers: ['block1'], teacherLayers: ['block2'] },
          ];
          for (const term of terms) {
            let lab: unknown;
            try {
              lab = resolveLayerPairs(term, studentTaps, teacherTaps);
            } catch {
              lab = 'refused';
            }
            let exported: unknown;
            try {
              const resolved = resolveTermLayers(term, network, teacherNetwork);
              exported = { studentLayers: resolved.studentLayers, teacherLayers: resolved.teacherLayers };
            } catch {
              exported = 'refused';
            }
            // The export may refuse more (sizes the losses cannot match), never less.
            if (exported !== 'refused') expect(exported, `${method.id} ${student.id} ${shape} ${JSON.stringify(term.studentLayers)}`).toEqual(lab);
            if (lab === 'refused') expect(exported, `${method.id} ${student.id} ${shape}: the lab refuses it`).toBe('refused');
          }
        }
        studentModel.dispose();
      }
      teacherModel.dispose();
    }
  });

  it('use R-Drop\'s dropout rate', () => {
    expect(RDROP_RATE).toBe(RDROP_DROPOUT_RATE);
  });
});
