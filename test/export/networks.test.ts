// One description of each network (src/models/architectureSpecs.ts) and what is made from it: for
// every architecture of the catalogue, students and teachers, the tfjs model has the layers
// (names, kinds, output shapes, what each reads) and the taps of the network the PyTorch export
// writes, also read back from the model's own model.json; in PyTorch the module written from it
// gives tfjs' taps and logits (<= 1e-4; needs torch). And one layer pairing
// (src/train/layerPairs.ts) for the lab and the export, whose size rules from the method table
// refuse exactly the pairs the lab's losses refuse.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../src/models/architectures';
import { ARCHITECTURE_SPECS, type InputShape } from '../../src/models/architectureSpecs';
import type { NetLayer } from '../../src/models/network';
import { architectureTaps, buildTappedModel, listTaps, type Tap } from '../../src/models/taps';
import { checkLayerPairs } from '../../src/train/distillPlan';
import { checkTermLayers } from '../../src/train/layerCheck';
import type { DistillTerm } from '../../src/train/config';
import { pairSizeProblem } from '../../src/train/layerPairs';
import { METHODS, resolveParams } from '../../src/kd';
import { serializeModel } from '../../src/models/io';
import { architectureNetwork, networkFromModelJson, networkTaps, resolveTermLayers } from '../../src/export/networks';
import { networkModuleSource } from '../../src/export/networkModules';
import { RDROP_RATE } from '../../src/export/trainScript';
import { RDROP_DROPOUT_RATE } from '../../src/train/rdrop';
import { createRng } from '../../src/core/rng';
import { ROOT } from '../cli/cliKit';
import { CONVERSION_HARNESS, reportMissingTorch, runPython, TORCH_PYTHON } from './python';

/** Digits, an odd small size, MNIST, CIFAR-like: both sides of isSmallInput, one and three channels. */
const SHAPES: InputShape[] = [
  [8, 8, 1],
  [15, 17, 1],
  [28, 28, 1],
  [32, 32, 3],
];

const TFJS_CLASS: Record<NetLayer['kind'], string> = {
  conv: 'Conv2D',
  maxpool: 'MaxPooling2D',
  flatten: 'Flatten',
  gap: 'GlobalAveragePooling2D',
  dense: 'Dense',
  dropout: 'Dropout',
  add: 'Add',
  relu: 'Activation',
};

/** Each layer of a tfjs model: its name, class, one sample's output shape and the layers it reads. */
function tfjsLayers(model: tfl.LayersModel) {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({
      name: layer.name,
      kind: layer.getClassName(),
      shape: (layer.outputShape as number[]).slice(1),
      reads: layer.inboundNodes[0].inboundLayers.map((source) => source.name),
    }));
}

/** The same for a network of the export: a layer reads `from`, the sum's inputs, or the layer before it (the image first). */
function networkLayers(layers: readonly NetLayer[]) {
  return layers.map((layer, i) => ({
    name: layer.name,
    kind: TFJS_CLASS[layer.kind],
    shape: layer.outputShape,
    reads: layer.kind === 'add' ? layer.inputs : [layer.from ?? layers[i - 1]?.name ?? 'image'],
  }));
}

/** Flattened (c, h, w) rows of [h, w, c] maps back in (h, w, c) order, sample by sample. */
function nchwToNhwc(values: readonly number[], [h, w, c]: readonly number[]): number[] {
  const size = h * w * c;
  return values.map((_, k) => {
    const [sample, rest] = [Math.floor(k / size), k % size];
    const [y, x, channel] = [Math.floor(rest / (w * c)), Math.floor(rest / c) % w, rest % c];
    return values[sample * size + channel * h * w + y * w + x];
  });
}

describe('every architecture of the catalogue, in tfjs and in the export', () => {
  it('takes students and teachers from the one catalogue', () => {
    expect(new Set(ARCHITECTURE_SPECS.map((arch) => arch.role))).toEqual(new Set(['student', 'teacher']));
    expect(ARCHITECTURES.map((arch) => arch.id)).toEqual(ARCHITECTURE_SPECS.map((arch) => arch.id));
  });

  it('has the same layers and taps in the tfjs model as in the network the export writes', async () => {
    for (const shape of SHAPES) {
      for (const arch of ARCHITECTURES) {
        const what = `${arch.id} (${arch.role}) on ${shape.join('×')}`;
        const model = arch.build(shape, 10, 1);
        const network = architectureNetwork(arch.id, shape, 10);
        expect(tfjsLayers(model), what).toEqual(networkLayers(network.layers));
        expect(networkFromModelJson((await serializeModel(model)).modelJson).layers, `${what}: read back from its model.json`).toEqual(network.layers);
        const taps = listTaps(model);
        expect(networkTaps(network), `${what}: taps`).toEqual(taps);
        expect(architectureTaps(arch, shape, 10), `${what}: the lab's taps without a model`).toEqual(taps);
        expect(network.layers.filter((l) => l.kind === 'conv' || l.kind === 'dense').length * 2, `${what}: kernel and bias per layer`).toBe(model.getWeights().length);
        model.dispose();
      }
    }
  });

  it('writes a PyTorch module with every weighted layer of the network in tfjs\' order, and every tap', () => {
    for (const arch of ARCHITECTURES) {
      const network = architectureNetwork(arch.id, [28, 28, 1], 10);
      const source = networkModuleSource(network, 'Net', arch.id);
      const weights = network.layers.filter((l) => l.kind === 'conv' || l.kind === 'dense').map((l) => `${l.name} ${l.kind}`);
      const listed = source.match(/TFJS_WEIGHTS = \[(.*)\]/)![1];
      expect([...listed.matchAll(/\("(\w+)", "(conv|dense)"/g)].map((m) => `${m[1]} ${m[2]}`), arch.id).toEqual(weights);
      for (const layer of network.layers.filter((l) => l.kind === 'conv' || l.kind === 'dense')) expect(source, `${arch.id} ${layer.name}`).toContain(`self.${layer.name} = nn.`);
      for (const tap of networkTaps(network)) expect(source, `${arch.id}: tap ${tap.name}`).toContain(`out["${tap.name}"] = `);
    }
  });

  reportMissingTorch('the architectures\' PyTorch taps test');
  it.skipIf(!TORCH_PYTHON)('gives tfjs\' taps and logits in PyTorch for every architecture once train.py converts the weights (<= 1e-4; needs torch)', async () => {
    const folders: string[] = [];
    const jobs: { class: string; folder: string; images: number[]; shape: number[]; taps: string[] }[] = [];
    const lab: Record<string, Float32Array>[] = [];
    const modules: string[] = [];
    const random = createRng(17);
    const flattened = new Map<string, number[]>();
    try {
      for (const shape of [[8, 8, 1], [28, 28, 1]] as InputShape[]) {
        for (const arch of ARCHITECTURES) {
          const model = arch.build(shape, 10, 5 + jobs.length);
          const files = await serializeModel(model);
          const folder = await mkdtemp(path.join(tmpdir(), 'lab-arch-'));
          folders.push(folder);
          await writeFile(path.join(folder, 'model.json'), JSON.stringify(files.modelJson));
          await writeFile(path.join(folder, 'weights.bin'), files.weights);
          const className = `Net${jobs.length}`;
          const network = architectureNetwork(arch.id, shape, 10);
          modules.push(networkModuleSource(network, className, arch.id));
          const taps = listTaps(model).map((tap) => tap.name);
          // A flatten's output is NCHW's (c, h, w) in PyTorch, NHWC's (h, w, c) in tfjs: the same
          // values in another order (the dense rows after it are reordered to match, and the
          // embedding losses read distances, which the order leaves as they are).
          for (const layer of network.layers) if (layer.kind === 'flatten' && taps.includes(layer.name)) flattened.set(`${jobs.length} ${layer.name}`, layer.inputShape);
          const images = Float32Array.from({ length: 3 * shape[0] * shape[1] * shape[2] }, () => random());
          jobs.push({ class: className, folder, images: Array.from(images), shape: [...shape], taps });
          const input = tf.tensor4d(images, [3, ...shape]);
          const tapped = buildTappedModel(model, taps);
          const outputs = tapped.model.predict(input) as tf.Tensor[];
          lab.push(Object.fromEntries(taps.map((name) => [name, outputs[tapped.outputIndex(name)].dataSync() as Float32Array])));
          tf.dispose([input, ...outputs]);
          model.dispose();
        }
      }
      const python = runPython<Record<string, number[]>[]>(CONVERSION_HARNESS(modules.join('\n\n\n')), { jobs });
      for (const [i, values] of lab.entries()) {
        for (const [name, expected] of Object.entries(values)) {
          const chw = flattened.get(`${i} ${name}`);
          const got = chw ? nchwToNhwc(python[i][name], chw) : python[i][name];
          const what = `${modules[i].match(/NAME = "(.*)"/)?.[1]} on ${jobs[i].shape.join('×')}: ${name}`;
          expect(got.length, what).toBe(expected.length);
          let worst = 0;
          let largest = 0;
          expected.forEach((value, j) => {
            worst = Math.max(worst, Math.abs(value - got[j]));
            largest = Math.max(largest, Math.abs(value));
          });
          expect(largest, `${what}: values of a real size`).toBeGreaterThan(0.01);
          expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(1e-4 * Math.max(1, largest));
        }
      }
    } finally {
      await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
    }
  });
});

describe('the layer pairs of the export', () => {
  it('are the lab\'s, and refused exactly where the lab refuses them, for every method, student and teacher', () => {
    const choices: [string[], string[]][] = [
      [['block1'], ['block2']],
      [['block2'], ['block1']],
      [['block1', 'block2'], ['block1', 'block2']],
      [['block1', 'embedding'], ['block1', 'embedding']],
      [['embedding'], ['embedding']],
    ];
    for (const shape of [[8, 8, 1], [28, 28, 1]] as InputShape[]) {
      const taps = new Map(ARCHITECTURES.map((arch) => {
        const model = arch.build(shape, 10, 1);
        const listed = listTaps(model);
        model.dispose();
        return [arch.id, listed] as [string, Tap[]];
      }));
      for (const student of ARCHITECTURES.filter((a) => a.role === 'student')) {
        for (const teacher of ARCHITECTURES) {
          const studentNetwork = networkTaps(architectureNetwork(student.id, shape, 10));
          const teacherNetwork = networkTaps(architectureNetwork(teacher.id, shape, 10));
          for (const method of METHODS) {
            const terms: DistillTerm[] = [{ method: method.id, weight: 1, params: {} }, ...choices.map(([s, t]) => ({ method: method.id, weight: 1, params: {}, studentLayers: s, teacherLayers: t }))];
            const checks = checkTermLayers(terms, taps.get(student.id)!, taps.get(teacher.id)!, 10);
            for (const [i, term] of terms.entries()) {
              const what = `${method.id}: ${student.id} <- ${teacher.id} on ${shape.join('×')}, ${JSON.stringify(term.studentLayers ?? 'defaults')}`;
              let exported: unknown;
              try {
                const resolved = resolveTermLayers(term, studentNetwork, teacherNetwork);
                exported = { studentLayers: resolved.studentLayers, teacherLayers: resolved.teacherLayers };
              } catch (error) {
                exported = `refused: ${(error as Error).message}`;
              }
              const lab = checks[i].problem === null ? { studentLayers: checks[i].studentLayers, teacherLayers: checks[i].teacherLayers } : 'refused';
              if (lab === 'refused') expect(exported, what).toMatch(/^refused: /);
              else expect(exported, what).toEqual(lab);
            }
          }
        }
      }
    }
  });

  it('check the sizes the method table declares, as the losses do, on maps of any height and width', () => {
    const shapes = [[8, 8, 4], [4, 4, 6], [8, 6, 4], [6, 8, 4], [4, 2, 4], [7, 7, 4], [3, 3, 6], [2, 4, 4]];
    for (const method of METHODS.filter((m) => m.layers.reads === 'features')) {
      for (const s of shapes) {
        for (const t of shapes) {
          const student = { name: 'a', shape: s, kind: 'block' as const };
          const teacher = { name: 'b', shape: t, kind: 'block' as const };
          let lab = true;
          try {
            checkLayerPairs(method.id, [student], [teacher], 10, resolveParams(method));
          } catch {
            lab = false;
          }
          expect(pairSizeProblem(method.id, student, teacher) === null, `${method.id}: student [${s}] with teacher [${t}]`).toBe(lab);
        }
      }
    }
  });

  it('come from the method table: the export and the pairing name no method', () => {
    const ids = new RegExp(`['"](${METHODS.map((m) => m.id).join('|')})['"]`);
    for (const file of ['src/export/networks.ts', 'src/export/networkModules.ts', 'src/train/layerPairs.ts', 'src/kd/layerDefaults.ts', 'src/models/network.ts']) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), file).not.toMatch(ids);
    }
  });

  it('use R-Drop\'s dropout rate', () => {
    expect(RDROP_RATE).toBe(RDROP_DROPOUT_RATE);
  });
});
