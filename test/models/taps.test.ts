// Feature taps: every architecture names its blocks, embedding and logits with their shapes, and
// a tapped model exposes them while sharing every weight with the original.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, getArchitecture } from '../../src/models/architectures';
import { NetworkBuilder, networkTaps } from '../../src/models/network';
import { architectureTaps, buildTappedModel, findLayer, listTaps } from '../../src/models/taps';
import { loadModelFromDir, shippedTeacherDir } from '../../src/cli/nodeFiles';

const DIGITS: [number, number, number] = [8, 8, 1];
const MNIST: [number, number, number] = [28, 28, 1];

const summary = (id: string, shape: [number, number, number]) =>
  architectureTaps(getArchitecture(id), shape, 10).map((tap) => `${tap.name}:${tap.kind}:${tap.shape.join('x')}`);

describe('listTaps', () => {
  it('names the blocks, the embedding and the logits of every architecture, with per-sample shapes', () => {
    expect(summary('mlp', DIGITS)).toEqual(['embedding:embedding:32', 'logits:logits:10']);
    expect(summary('tiny-cnn', DIGITS)).toEqual(['block1:block:8x8x16', 'block2:block:8x8x32', 'embedding:embedding:512', 'logits:logits:10']);
    expect(summary('tiny-cnn', MNIST)).toEqual(['block1:block:28x28x8', 'block2:block:14x14x16', 'embedding:embedding:784', 'logits:logits:10']);
    expect(summary('small-cnn', DIGITS)).toEqual([
      'block1:block:8x8x16',
      'block2:block:8x8x32',
      'block3:block:4x4x64',
      'embedding:embedding:64',
      'logits:logits:10',
    ]);
    expect(summary('teacher-cnn', DIGITS)).toEqual(['block1:block:8x8x32', 'block2:block:8x8x64', 'embedding:embedding:256', 'logits:logits:10']);
    expect(summary('teacher-cnn', MNIST)).toEqual(['block1:block:28x28x16', 'block2:block:14x14x32', 'embedding:embedding:256', 'logits:logits:10']);
  });

  it('reads the same taps from the shipped Digits teacher loaded from disk', async () => {
    const teacher = await loadModelFromDir(shippedTeacherDir('digits-teacher-cnn'));
    expect(listTaps(teacher).map((tap) => `${tap.name}:${tap.shape.join('x')}`)).toEqual(['block1:8x8x32', 'block2:8x8x64', 'embedding:256', 'logits:10']);
    teacher.dispose();
  });

  it('falls back to every NHWC layer and the layer before the output (dropout skipped) for a model that names no blocks', () => {
    const input = tfl.input({ shape: [6, 6, 1] });
    const conv = tfl.layers.conv2d({ name: 'c1', filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv) as tfl.SymbolicTensor;
    const hidden = tfl.layers.dense({ name: 'hidden', units: 5 }).apply(flat) as tfl.SymbolicTensor;
    const dropped = tfl.layers.dropout({ name: 'drop', rate: 0.5 }).apply(hidden) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ name: 'out', units: 2 }).apply(dropped) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    expect(listTaps(model).map((tap) => `${tap.name}:${tap.kind}:${tap.shape.join('x')}`)).toEqual(['c1:block:6x6x3', 'hidden:embedding:5', 'out:logits:2']);
    model.dispose();
    // The same rule on the same network as a layer list (what the PyTorch export reads).
    const b = new NetworkBuilder([6, 6, 1]);
    b.add({ kind: 'conv', name: 'c1', filters: 3, kernelSize: 3, padding: 'same', activation: 'linear' });
    b.add({ kind: 'flatten', name: 'flat' });
    b.add({ kind: 'dense', name: 'hidden', units: 5, activation: 'linear' });
    b.add({ kind: 'dropout', name: 'drop', rate: 0.5 });
    b.add({ kind: 'dense', name: 'out', units: 2, activation: 'linear' });
    expect(networkTaps(b.network('m')).map((tap) => `${tap.name}:${tap.kind}:${tap.shape.join('x')}`)).toEqual(['c1:block:6x6x3', 'hidden:embedding:5', 'out:logits:2']);
  });

  it('reads the taps of every architecture from its layer list, as listTaps finds them in the built model', () => {
    for (const shape of [DIGITS, [15, 17, 1], MNIST, [32, 32, 3]] as [number, number, number][]) {
      for (const arch of ARCHITECTURES) {
        const model = arch.build(shape, 10, 1);
        expect(architectureTaps(arch, shape, 10), `${arch.id} on ${shape.join('×')}`).toEqual(listTaps(model));
        model.dispose();
      }
    }
  });
});

describe('buildTappedModel', () => {
  it('outputs [taps..., logits] equal to the original layers, sharing the weights and allocating no tensor', () => {
    const model = getArchitecture('small-cnn').build(DIGITS, 10, 3);
    const before = tf.memory().numTensors;
    const tapped = buildTappedModel(model, ['block3', 'block1', 'embedding', 'block1', 'logits']);
    expect(tf.memory().numTensors).toBe(before);
    expect(tapped.names).toEqual(['block3', 'block1', 'embedding']);
    expect(tapped.outputIndex('block1')).toBe(1);
    expect(tapped.outputIndex('logits')).toBe(3);
    expect(() => tapped.outputIndex('block2')).toThrow(/no tap "block2"/);
    expect(tapped.model.countParams()).toBe(model.countParams());

    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const outputs = tapped.model.predict(images) as tf.Tensor[];
    expect(outputs.map((t) => t.shape)).toEqual([[2, 4, 4, 64], [2, 8, 8, 16], [2, 64], [2, 10]]);
    const logits = model.predict(images) as tf.Tensor;
    expect(Array.from(outputs[3].dataSync())).toEqual(Array.from(logits.dataSync()));
    const block1 = tfl.model({ inputs: model.inputs, outputs: model.getLayer('block1').output as tfl.SymbolicTensor }).predict(images) as tf.Tensor;
    expect(Array.from(outputs[1].dataSync())).toEqual(Array.from(block1.dataSync()));

    // A change to the original's weights shows in the tapped model: they are the same variables.
    const kernel = model.getLayer('logits').getWeights()[0];
    model.getLayer('logits').setWeights([tf.zerosLike(kernel), tf.onesLike(model.getLayer('logits').getWeights()[1])]);
    const changed = (tapped.model.predict(images) as tf.Tensor[])[3];
    expect(Array.from(changed.dataSync())).toEqual(new Array(20).fill(1));
    tf.dispose([images, ...outputs, logits, block1, changed]);
    model.dispose();
  });

  it('refuses an unknown layer with the list of taps', () => {
    const model = getArchitecture('tiny-cnn').build(DIGITS, 10, 1);
    expect(() => buildTappedModel(model, ['block3'])).toThrow(/no layer "block3" \(its taps: block1, block2, embedding, logits\)/);
    expect(() => findLayer(model, 'nope')).toThrow(/its taps/);
    model.dispose();
  });
});
