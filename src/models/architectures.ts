// Student and teacher builders. Layer names are the feature taps: `block1`, `block2`, ... are
// the conv blocks (post-ReLU), `embedding` is the penultimate layer, `logits` the output.
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../core/rng';
import { ARCHITECTURE_SPECS, type ArchitectureSpec, type InputShape, type Role } from './architectureSpecs';

export type { ArchitectureSpec, InputShape, Role } from './architectureSpecs';

export interface Architecture extends ArchitectureSpec {
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

const BUILDERS: Record<string, Architecture['build']> = {
  mlp: (inputShape, numClasses, seed) => {
    const { input, builder } = startBuilder(inputShape, seed);
    builder.x = tfl.layers.flatten({ name: 'flatten' }).apply(builder.x) as tfl.SymbolicTensor;
    dense(builder, 'embedding', 32, 'relu');
    return finish(input, builder, 'mlp', numClasses);
  },
  'tiny-cnn': (inputShape, numClasses, seed) => {
    const { input, builder } = startBuilder(inputShape, seed);
    const tiny = isTiny(inputShape);
    conv(builder, 'block1', tiny ? 16 : 8);
    if (!tiny) pool(builder, 'pool1');
    conv(builder, 'block2', tiny ? 32 : 16);
    pool(builder, 'pool2');
    builder.x = tfl.layers.flatten({ name: 'embedding' }).apply(builder.x) as tfl.SymbolicTensor;
    return finish(input, builder, 'tiny-cnn', numClasses);
  },
  'small-cnn': (inputShape, numClasses, seed) => {
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
  'teacher-cnn': (inputShape, numClasses, seed) => {
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
};

/** Every architecture, described (architectureSpecs.ts) and buildable. */
export const ARCHITECTURES: readonly Architecture[] = ARCHITECTURE_SPECS.map((spec) => ({ ...spec, build: BUILDERS[spec.id] }));

export function getArchitecture(id: string, role?: Role): Architecture {
  const arch = ARCHITECTURES.find((a) => a.id === id && (role === undefined || a.role === role));
  if (!arch) {
    const known = ARCHITECTURES.filter((a) => role === undefined || a.role === role).map((a) => a.id);
    throw new Error(`Unknown ${role ?? 'architecture'} "${id}". Known: ${known.join(', ')}`);
  }
  return arch;
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
