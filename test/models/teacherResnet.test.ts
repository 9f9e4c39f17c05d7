// teacher-resnet: its layers and taps by name, its shapes on 32×32 colour and 8×8 grey inputs,
// its parameter count worked out by hand, a skip connection that is really added (zero a block's
// second conv and the block outputs relu(skip)), and a feature method reading its taps.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { countParameters, getArchitecture, type InputShape } from '../../src/models/architectures';
import { buildTappedModel, listTaps } from '../../src/models/taps';
import { computeDistillLoss } from '../../src/kd';
import { resolveLayerPairs } from '../../src/train/distillPlan';
import { USAGE } from '../../src/cli/args';

const CIFAR: InputShape = [32, 32, 3];
const DIGITS: InputShape = [8, 8, 1];
const resnet = getArchitecture('teacher-resnet', 'teacher');

const conv = (kernel: number, inChannels: number, filters: number) => kernel * kernel * inChannels * filters + filters;
/** Stem 3×3 → 16; blocks of two 3×3 convs, a 1×1 skip where the channels change; 64 → classes. */
const handCount = (channels: number, classes: number) =>
  conv(3, channels, 16) +
  (conv(3, 16, 16) + conv(3, 16, 16)) +
  (conv(3, 16, 32) + conv(3, 32, 32) + conv(1, 16, 32)) +
  (conv(3, 32, 64) + conv(3, 64, 64) + conv(1, 32, 64)) +
  (64 * classes + classes);

describe('teacher-resnet', () => {
  it('is a teacher, not offered as a student', () => {
    expect(resnet.role).toBe('teacher');
    expect(() => getArchitecture('teacher-resnet', 'student')).toThrow(/Unknown student "teacher-resnet"/);
    // As teacher-cnn, it is trained as the run's student: `--student teacher-resnet --method none`.
    expect(USAGE).toMatch(/--student ID +[^\n]*\| teacher-resnet /);
  });

  it('names its layers by the tap convention: blockN is the post-ReLU output of stage N', () => {
    const model = resnet.build(CIFAR, 10, 1);
    expect(model.layers.map((layer) => `${layer.name}:${layer.getClassName()}`)).toEqual([
      'image:InputLayer',
      'stem:Conv2D',
      'block1_conv1:Conv2D', 'block1_conv2:Conv2D', 'block1_add:Add', 'block1:Activation',
      'pool1:MaxPooling2D',
      'block2_conv1:Conv2D', 'block2_conv2:Conv2D', 'block2_skip:Conv2D', 'block2_add:Add', 'block2:Activation',
      'pool2:MaxPooling2D',
      'block3_conv1:Conv2D', 'block3_conv2:Conv2D', 'block3_skip:Conv2D', 'block3_add:Add', 'block3:Activation',
      'embedding:GlobalAveragePooling2D',
      'logits:Dense',
    ]);
    expect(listTaps(model)).toEqual([
      { name: 'block1', shape: [32, 32, 16], kind: 'block' },
      { name: 'block2', shape: [16, 16, 32], kind: 'block' },
      { name: 'block3', shape: [8, 8, 64], kind: 'block' },
      { name: 'embedding', shape: [64], kind: 'embedding' },
      { name: 'logits', shape: [10], kind: 'logits' },
    ]);
    model.dispose();
  });

  it.each([
    ['32×32×3', CIFAR, [8, 8, 64]],
    ['8×8×1 (no first pool)', DIGITS, [4, 4, 64]],
  ] as const)('maps %s images to 10 logits', (_, shape, block3) => {
    const model = resnet.build(shape, 10, 1);
    const output = model.predict(tf.zeros([2, ...shape])) as tf.Tensor;
    expect(output.shape).toEqual([2, 10]);
    expect(listTaps(model).find((tap) => tap.name === 'block3')?.shape).toEqual(block3);
    output.dispose();
    model.dispose();
  });

  it('keeps the first pool only from 16×16 up, as the other architectures do', () => {
    const names = (shape: InputShape) => {
      const model = resnet.build(shape, 10, 1);
      const list = model.layers.map((layer) => layer.name);
      model.dispose();
      return list;
    };
    expect(names(CIFAR)).toContain('pool1');
    expect(names(DIGITS)).not.toContain('pool1');
  });

  it('has the parameter count worked out by hand (77,706 on 32×32×3 with 10 classes)', () => {
    expect(handCount(3, 10)).toBe(77_706);
    expect(countParameters(resnet, CIFAR, 10)).toBe(handCount(3, 10));
    expect(countParameters(resnet, DIGITS, 10)).toBe(handCount(1, 10));
  });

  it('adds the skip: with a block\'s second conv zeroed, the block outputs relu(skip)', () => {
    const model = resnet.build(DIGITS, 10, 2);
    for (const name of ['block1_conv2', 'block2_conv2']) {
      const layer = model.getLayer(name);
      layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
    }
    const tapped = buildTappedModel(model, ['stem', 'block1', 'block2_skip', 'block2', 'block3_skip', 'block3_conv2', 'block3']);
    const images = tf.randomUniform([3, ...DIGITS], 0, 1, 'float32', 7);
    const outputs = tapped.model.predict(images) as tf.Tensor[];
    const at = (name: string) => outputs[tapped.outputIndex(name)];
    // block1: identity skip, so relu(0 + stem) = stem (already post-ReLU).
    expect(Array.from(at('block1').dataSync())).toEqual(Array.from(at('stem').dataSync()));
    // block2: the 1×1 projection.
    const projected = tf.relu(at('block2_skip'));
    expect(Array.from(at('block2').dataSync())).toEqual(Array.from(projected.dataSync()));
    // block3, untouched: both paths count (neither alone gives its output).
    const sum = tf.relu(tf.add(at('block3_conv2'), at('block3_skip')));
    expect(tf.max(tf.abs(tf.sub(sum, at('block3')))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(tf.relu(at('block3_skip')), at('block3')))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([images, ...outputs, projected, sum]);
    model.dispose();
  });

  it('serves its taps to a feature method: AT on block1..block3 takes one step with a finite loss', () => {
    // teacher-resnet both as the teacher and, as `--student teacher-resnet` trains it, as the student.
    const teacher = resnet.build(DIGITS, 10, 3);
    const student = resnet.build(DIGITS, 10, 4);
    const layers = ['block1', 'block2', 'block3'];
    const pairs = resolveLayerPairs({ method: 'at', weight: 1, params: {}, studentLayers: layers, teacherLayers: layers }, listTaps(student), listTaps(teacher));
    expect(pairs).toEqual({ studentLayers: layers, teacherLayers: layers });
    const studentTapped = buildTappedModel(student, layers);
    const teacherTapped = buildTappedModel(teacher, layers);
    const images = tf.randomUniform([4, ...DIGITS], 0, 1, 'float32', 9);
    const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
    const teacherOutputs = teacherTapped.model.predict(images) as tf.Tensor[];
    const before = student.getLayer('block2_skip').getWeights()[0].dataSync().slice();
    const optimizer = tf.train.sgd(0.1);
    const loss = optimizer.minimize(() => {
      const outputs = studentTapped.model.apply(images, { training: true }) as tf.Tensor[];
      return computeDistillLoss('at', {
        studentLogits: outputs[studentTapped.outputIndex('logits')] as tf.Tensor2D,
        teacherLogits: teacherOutputs[teacherTapped.outputIndex('logits')] as tf.Tensor2D,
        labels,
        studentFeatures: layers.map((name) => outputs[studentTapped.outputIndex(name)] as tf.Tensor4D),
        teacherFeatures: layers.map((name) => teacherOutputs[teacherTapped.outputIndex(name)] as tf.Tensor4D),
      });
    }, true)!;
    const value = loss.dataSync()[0];
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
    // The gradient reaches the skip's 1×1 conv: the residual branch is trained too.
    const after = student.getLayer('block2_skip').getWeights()[0].dataSync();
    expect(Array.from(after)).not.toEqual(Array.from(before));
    tf.dispose([images, labels, loss, ...teacherOutputs]);
    optimizer.dispose();
    teacher.dispose();
    student.dispose();
  });
});
