// Student and teacher builders: parameter counts worked out from the layer shapes, sizes the
// issue asks for, seeded initialisation and the feature-tap layer names.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, countParameters, disposeModel, getArchitecture, type InputShape } from '../../src/models/architectures';
import { inputSizeProblem, studentArchitectures } from '../../src/models/architectureSpecs';

const DIGITS: InputShape = [8, 8, 1];
const MNIST: InputShape = [28, 28, 1];

const conv3x3 = (inChannels: number, filters: number) => 9 * inChannels * filters + filters;
const dense = (inputs: number, units: number) => inputs * units + units;

/** Parameter counts derived by hand from each architecture's description (10 classes). */
const EXPECTED: Record<string, Record<'digits' | 'mnist', number>> = {
  // flatten -> dense 32 -> 10
  mlp: { digits: dense(64, 32) + dense(32, 10), mnist: dense(784, 32) + dense(32, 10) },
  // 8x8: conv 16, conv 32, pool -> 4x4x32; 28x28: conv 8, pool, conv 16, pool -> 7x7x16
  'tiny-cnn': {
    digits: conv3x3(1, 16) + conv3x3(16, 32) + dense(4 * 4 * 32, 10),
    mnist: conv3x3(1, 8) + conv3x3(8, 16) + dense(7 * 7 * 16, 10),
  },
  // conv 16, conv 32, conv 64, global average pooling -> 64
  'small-cnn': {
    digits: conv3x3(1, 16) + conv3x3(16, 32) + conv3x3(32, 64) + dense(64, 10),
    mnist: conv3x3(1, 16) + conv3x3(16, 32) + conv3x3(32, 64) + dense(64, 10),
  },
  // as teacher-cnn with a 40-unit dense layer and no dropout
  'medium-cnn': {
    digits: conv3x3(1, 32) + conv3x3(32, 64) + dense(4 * 4 * 64, 40) + dense(40, 10),
    mnist: conv3x3(1, 16) + conv3x3(16, 32) + dense(7 * 7 * 32, 40) + dense(40, 10),
  },
  // 8x8: conv 32, conv 64, pool -> 4x4x64; 28x28: conv 16, pool, conv 32, pool -> 7x7x32; dense 256
  'teacher-cnn': {
    digits: conv3x3(1, 32) + conv3x3(32, 64) + dense(4 * 4 * 64, 256) + dense(256, 10),
    mnist: conv3x3(1, 16) + conv3x3(16, 32) + dense(7 * 7 * 32, 256) + dense(256, 10),
  },
  // stem 16; residual blocks 16, 32, 64 (two 3x3 convs, a 1x1 skip where the channels change);
  // global average pooling -> 64. Pooling changes no count: the same on both shapes.
  'teacher-resnet': {
    digits: conv3x3(1, 16) + 2 * conv3x3(16, 16) + conv3x3(16, 32) + conv3x3(32, 32) + dense(16, 32) + conv3x3(32, 64) + conv3x3(64, 64) + dense(32, 64) + dense(64, 10),
    mnist: conv3x3(1, 16) + 2 * conv3x3(16, 16) + conv3x3(16, 32) + conv3x3(32, 32) + dense(16, 32) + conv3x3(32, 64) + conv3x3(64, 64) + dense(32, 64) + dense(64, 10),
  },
};

describe('parameter counts', () => {
  it.each(ARCHITECTURES.map((a) => a.id))('%s matches the count worked out from its layers', (id) => {
    const arch = getArchitecture(id);
    expect(countParameters(arch, DIGITS, 10)).toBe(EXPECTED[id].digits);
    expect(countParameters(arch, MNIST, 10)).toBe(EXPECTED[id].mnist);
  });

  it('offers at least an MLP, a tiny CNN and a small CNN as students', () => {
    expect(studentArchitectures().map((a) => a.id)).toEqual(expect.arrayContaining(['mlp', 'tiny-cnn', 'small-cnn']));
    expect(studentArchitectures().every((a) => a.role === 'student')).toBe(true);
  });

  it('the tiny CNN is about 10k parameters on 28x28 inputs', () => {
    const count = countParameters(getArchitecture('tiny-cnn'), MNIST, 10);
    expect(count).toBeGreaterThanOrEqual(5_000);
    expect(count).toBeLessThanOrEqual(15_000);
  });

  it('the medium CNN is the TensorFlow KD tutorial student\'s size on CIFAR-10 (about 90k)', () => {
    const count = countParameters(getArchitecture('medium-cnn'), [32, 32, 3], 10);
    expect(count).toBeGreaterThanOrEqual(80_000);
    expect(count).toBeLessThanOrEqual(100_000);
  });

  it.each([
    ['8x8', DIGITS],
    ['28x28', MNIST],
  ] as const)('the teacher has at least 10x the parameters of every small student, and 4x the medium one, on %s', (_, shape) => {
    const teacher = countParameters(getArchitecture('teacher-cnn', 'teacher'), shape, 10);
    const small = studentArchitectures().filter((a) => a.id !== 'medium-cnn');
    const largestSmall = Math.max(...small.map((a) => countParameters(getArchitecture(a.id), shape, 10)));
    expect(teacher).toBeGreaterThanOrEqual(10 * largestSmall);
    expect(teacher).toBeGreaterThanOrEqual(4 * countParameters(getArchitecture('medium-cnn'), shape, 10));
  });

  it('countParameters leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    countParameters(getArchitecture('small-cnn'), DIGITS, 10);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('build', () => {
  it.each(ARCHITECTURES.map((a) => a.id))('%s: the same seed gives the same initial weights, another seed different ones', (id) => {
    const arch = getArchitecture(id);
    const weights = (seed: number) => {
      const model = arch.build(DIGITS, 10, seed);
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const first = weights(3);
    expect(weights(3)).toEqual(first);
    const other = weights(4);
    expect(other.length).toBe(first.length);
    expect(other[0]).not.toEqual(first[0]);
    // Every kernel is initialised from its own stream: no two layers share their first values.
    const kernels = first.filter((_, i) => i % 2 === 0).map((k) => k.slice(0, 4).join());
    expect(new Set(kernels).size).toBe(kernels.length);
  });

  it.each(ARCHITECTURES.map((a) => a.id))('%s maps a batch of images to one logit per class, with the taps the losses use', (id) => {
    const model = getArchitecture(id).build(MNIST, 7, 1);
    const output = model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor;
    expect(output.shape).toEqual([3, 7]);
    expect(model.getLayer('logits')).toBeDefined();
    expect(model.getLayer('embedding')).toBeDefined();
    output.dispose();
    model.dispose();
  });

  it('refuses an unknown architecture or the wrong role, listing the known ones', () => {
    expect(() => getArchitecture('resnet-9000')).toThrow(/Unknown architecture "resnet-9000".*mlp/);
    expect(() => getArchitecture('teacher-cnn', 'student')).toThrow(/Unknown student "teacher-cnn"/);
    expect(getArchitecture('teacher-cnn', 'teacher').role).toBe('teacher');
  });

  it('disposeModel frees the weights and tolerates a second call', () => {
    const before = tf.memory().numTensors;
    const model = getArchitecture('mlp').build(DIGITS, 10, 1);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    disposeModel(model);
    disposeModel(model);
    disposeModel(null);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the smallest images each architecture takes', () => {
  const sides = [1, 2, 3, 4, 7, 15, 16, 17];
  const shapes: InputShape[] = sides.flatMap((h) => sides.map((w): InputShape => [h, w, 1]));

  it('the spec counts the max-poolings the builder makes, and refuses exactly the shapes a pooling would empty', () => {
    for (const arch of ARCHITECTURES) {
      for (const shape of shapes) {
        const model = arch.build(shape, 3, 0);
        const poolings = model.layers.filter((layer) => layer.getClassName() === 'MaxPooling2D').length;
        const empty = model.layers.some((layer) => (layer.outputShape as (number | null)[]).slice(1).some((dim) => dim === 0));
        disposeModel(model);
        expect(poolings, `${arch.id} ${shape.join('×')}`).toBe(shape[0] < 16 ? arch.poolings.small : arch.poolings.large);
        expect(inputSizeProblem(arch, shape) !== null, `${arch.id} ${shape.join('×')}`).toBe(empty);
      }
    }
  });

  it('names the size and the minimum', () => {
    expect(inputSizeProblem(getArchitecture('tiny-cnn'), [1, 1, 1])).toBe('the images are 1×1 pixels; Tiny CNN halves them once with max-pooling and needs at least 2×2');
    expect(inputSizeProblem(getArchitecture('small-cnn'), [20, 3, 3])).toBe('the images are 20×3 pixels; Small CNN halves them twice with max-pooling and needs at least 4×4');
    expect(inputSizeProblem(getArchitecture('mlp'), [1, 1, 1])).toBeNull();
  });
});
