// Student and teacher builders. Layer names are the feature taps: `block1`, `block2`, ... are
// the conv blocks (post-ReLU), `embedding` is the penultimate layer, `logits` the output. A
// residual block's inner layers are `blockN_<part>`, which the taps' /^block\d+$/ leaves out.
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../core/rng';
import { ARCHITECTURE_SPECS, inputSizeProblem, isSmallInput, type ArchitectureSpec, type InputShape, type Role } from './architectureSpecs';

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

function conv(b: Builder, name: string, filters: number, kernelSize = 3, activation: 'relu' | 'linear' = 'relu'): void {
  b.x = tfl.layers
    .conv2d({
      name,
      filters,
      kernelSize,
      padding: 'same',
      activation,
      kernelInitializer: tfl.initializers.heNormal({ seed: b.nextSeed() }),
    })
    .apply(b.x) as tfl.SymbolicTensor;
}

/**
 * A basic residual block (He et al. 2016) without BatchNorm, whose moving statistics the lab's
 * own training loop would never update: relu(conv3x3(relu(conv3x3(x))) + skip(x)), the skip the
 * identity or, when the channels change, a 1x1 conv. Its output is the tap `name`.
 */
function residualBlock(b: Builder, name: string, filters: number): void {
  const input = b.x;
  const inChannels = input.shape[input.shape.length - 1];
  conv(b, `${name}_conv1`, filters);
  conv(b, `${name}_conv2`, filters, 3, 'linear');
  const main = b.x;
  let skip = input;
  if (inChannels !== filters) {
    b.x = input;
    conv(b, `${name}_skip`, filters, 1, 'linear');
    skip = b.x;
  }
  b.x = tfl.layers.add({ name: `${name}_add` }).apply([main, skip]) as tfl.SymbolicTensor;
  b.x = tfl.layers.activation({ name, activation: 'relu' }).apply(b.x) as tfl.SymbolicTensor;
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

const isTiny = isSmallInput;

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
  'teacher-resnet': (inputShape, numClasses, seed) => {
    const { input, builder } = startBuilder(inputShape, seed);
    conv(builder, 'stem', 16);
    residualBlock(builder, 'block1', 16);
    if (!isTiny(inputShape)) pool(builder, 'pool1');
    residualBlock(builder, 'block2', 32);
    pool(builder, 'pool2');
    residualBlock(builder, 'block3', 64);
    builder.x = tfl.layers.globalAveragePooling2d({ name: 'embedding' }).apply(builder.x) as tfl.SymbolicTensor;
    return finish(input, builder, 'teacher-resnet', numClasses);
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

/** Each architecture's parameter count for a dataset; an architecture its images are too small for is left out (never built). */
export function parameterCounts(inputShape: InputShape, numClasses: number): Record<string, number> {
  const fitting = ARCHITECTURES.filter((arch) => inputSizeProblem(arch, inputShape) === null);
  return Object.fromEntries(fitting.map((arch) => [arch.id, countParameters(arch, inputShape, numClasses)]));
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
