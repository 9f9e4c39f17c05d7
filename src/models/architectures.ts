// Student and teacher builders. Layer names are the feature taps: `block1`, `block2`, ... are
// the conv blocks (post-ReLU), `embedding` is the penultimate layer, `logits` the output.
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../core/rng';

export type Role = 'student' | 'teacher';
export type InputShape = [number, number, number];

export interface Architecture {
  id: string;
  label: string;
  role: Role;
  description: string;
  build(inputShape: InputShape, numClasses: number, seed: number): tfl.LayersModel;
}

interface Builder {
  x: tfl.SymbolicTensor;
  nextSeed: () => number;
}

function startBuilder(inputShape: InputShape, seed: number): { input: tfl.SymbolicTensor; builder: Builder } {
  const input = tfl.input({ shape: inputShape, name: 'image' });
  let layerIndex = 0;
  return { input, builder: { x: input, nextSeed: () => deriveSeed(seed, `layer${layerIndex++}`) } };
}

function conv(b: Builder, name: string, filters: number): void {
  b.x = tfl.layers
    .conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: b.nextSeed() }),
    })
    .apply(b.x) as tfl.SymbolicTensor;
}

function pool(b: Builder, name: string): void {
  b.x = tfl.layers.maxPooling2d({ name, poolSize: 2, strides: 2 }).apply(b.x) as tfl.SymbolicTensor;
}

function dense(b: Builder, name: string, units: number, activation?: 'relu'): void {
  b.x = tfl.layers
    .dense({
      name,
      units,
      activation,
      kernelInitializer: activation
        ? tfl.initializers.heNormal({ seed: b.nextSeed() })
        : tfl.initializers.glorotUniform({ seed: b.nextSeed() }),
    })
    .apply(b.x) as tfl.SymbolicTensor;
}

function finish(input: tfl.SymbolicTensor, b: Builder, name: string, numClasses: number): tfl.LayersModel {
  dense(b, 'logits', numClasses);
  return tfl.model({ inputs: input, outputs: b.x, name });
}

const isTiny = (shape: InputShape) => shape[0] < 16;

export const ARCHITECTURES: readonly Architecture[] = [
  {
    id: 'mlp',
    label: 'MLP',
    role: 'student',
    description: 'Flatten → dense 32 (ReLU) → classes. No convolutions.',
    build(inputShape, numClasses, seed) {
      const { input, builder } = startBuilder(inputShape, seed);
      builder.x = tfl.layers.flatten({ name: 'flatten' }).apply(builder.x) as tfl.SymbolicTensor;
      dense(builder, 'embedding', 32, 'relu');
      return finish(input, builder, 'mlp', numClasses);
    },
  },
  {
    id: 'tiny-cnn',
    label: 'Tiny CNN',
    role: 'student',
    description: 'Two 3×3 conv blocks (8 and 16 channels; 16 and 32 on 8×8 inputs), max-pooling, a linear classifier.',
    build(inputShape, numClasses, seed) {
      const { input, builder } = startBuilder(inputShape, seed);
      const tiny = isTiny(inputShape);
      conv(builder, 'block1', tiny ? 16 : 8);
      if (!tiny) pool(builder, 'pool1');
      conv(builder, 'block2', tiny ? 32 : 16);
      pool(builder, 'pool2');
      builder.x = tfl.layers.flatten({ name: 'embedding' }).apply(builder.x) as tfl.SymbolicTensor;
      return finish(input, builder, 'tiny-cnn', numClasses);
    },
  },
  {
    id: 'small-cnn',
    label: 'Small CNN',
    role: 'student',
    description: 'Three 3×3 conv blocks (16, 32, 64 channels), global average pooling, a linear classifier.',
    build(inputShape, numClasses, seed) {
      const { input, builder } = startBuilder(inputShape, seed);
      const tiny = isTiny(inputShape);
      conv(builder, 'block1', 16);
      if (!tiny) pool(builder, 'pool1');
      conv(builder, 'block2', 32);
      pool(builder, 'pool2');
      conv(builder, 'block3', 64);
      builder.x = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(builder.x) as tfl.SymbolicTensor;
      return finish(input, builder, 'small-cnn', numClasses);
    },
  },
  {
    id: 'teacher-cnn',
    label: 'Teacher CNN',
    role: 'teacher',
    description: 'Two 3×3 conv blocks (16 and 32 channels; 32 and 64 on 8×8 inputs), a 256-unit dense layer with dropout.',
    build(inputShape, numClasses, seed) {
      const { input, builder } = startBuilder(inputShape, seed);
      const tiny = isTiny(inputShape);
      conv(builder, 'block1', tiny ? 32 : 16);
      if (!tiny) pool(builder, 'pool1');
      conv(builder, 'block2', tiny ? 64 : 32);
      pool(builder, 'pool2');
      builder.x = tfl.layers.flatten({ name: 'flatten' }).apply(builder.x) as tfl.SymbolicTensor;
      dense(builder, 'embedding', 256, 'relu');
      builder.x = tfl.layers.dropout({ name: 'dropout', rate: 0.3 }).apply(builder.x) as tfl.SymbolicTensor;
      return finish(input, builder, 'teacher-cnn', numClasses);
    },
  },
];

export function getArchitecture(id: string, role?: Role): Architecture {
  const arch = ARCHITECTURES.find((a) => a.id === id && (role === undefined || a.role === role));
  if (!arch) {
    const known = ARCHITECTURES.filter((a) => role === undefined || a.role === role).map((a) => a.id);
    throw new Error(`Unknown ${role ?? 'architecture'} "${id}". Known: ${known.join(', ')}`);
  }
  return arch;
}

export function studentArchitectures(): Architecture[] {
  return ARCHITECTURES.filter((a) => a.role === 'student');
}

/** Parameter count of an architecture for a dataset shape, without keeping the model around. */
export function countParameters(arch: Architecture, inputShape: InputShape, numClasses: number): number {
  const model = arch.build(inputShape, numClasses, 0);
  const count = model.countParams();
  model.dispose();
  return count;
}

/** Disposes a model's weights; safe to call twice. */
export function disposeModel(model: tfl.LayersModel | null | undefined): void {
  if (!model) return;
  try {
    model.dispose();
  } catch {
    // already disposed
  }
}
