// The student and teacher builders: tfjs models of the architectures' layer lists
// (architectureSpecs.ts, networkOf), layer for layer, so the names are the feature taps (taps.ts)
// and the PyTorch export writes the same network. Each conv and dense layer draws its initial
// weights from its own seed, derived from the run's seed and the layer's place in the list.
import * as tfl from '@tensorflow/tfjs-layers';
import { deriveSeed } from '../core/rng';
import { ARCHITECTURE_SPECS, inputSizeProblem, networkOf, type ArchitectureSpec, type InputShape, type Role } from './architectureSpecs';
import type { LayerSpec, Network } from './network';

export type { ArchitectureSpec, InputShape, Role } from './architectureSpecs';

export interface Architecture extends ArchitectureSpec {
  build(inputShape: InputShape, numClasses: number, seed: number): tfl.LayersModel;
}

/** The tfjs layer of one layer of the list; `nextSeed` seeds a kernel (He-normal before a ReLU, Glorot-uniform for the logits). */
function tfjsLayer(layer: LayerSpec, nextSeed: () => number): tfl.layers.Layer {
  const { name } = layer;
  switch (layer.kind) {
    case 'conv': {
      const { filters, kernelSize, padding, activation } = layer;
      return tfl.layers.conv2d({ name, filters, kernelSize, padding, activation, kernelInitializer: tfl.initializers.heNormal({ seed: nextSeed() }) });
    }
    case 'dense': {
      const relu = layer.activation === 'relu';
      const kernelInitializer = relu ? tfl.initializers.heNormal({ seed: nextSeed() }) : tfl.initializers.glorotUniform({ seed: nextSeed() });
      return tfl.layers.dense({ name, units: layer.units, activation: relu ? 'relu' : undefined, kernelInitializer });
    }
    case 'maxpool':
      return tfl.layers.maxPooling2d({ name, poolSize: layer.poolSize, strides: layer.poolSize });
    case 'flatten':
      return tfl.layers.flatten({ name });
    case 'gap':
      return tfl.layers.globalAveragePooling2d({ name });
    case 'dropout':
      return tfl.layers.dropout({ name, rate: layer.rate });
    case 'add':
      return tfl.layers.add({ name });
    case 'relu':
      return tfl.layers.activation({ name, activation: 'relu' });
  }
}

/** The network as a tfjs model named by its id, with the input `image`. */
export function buildNetwork(network: Network, seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: network.inputShape, name: 'image' });
  let layerIndex = 0;
  const nextSeed = () => deriveSeed(seed, `layer${layerIndex++}`);
  const outputs = new Map<string, tfl.SymbolicTensor>();
  let x = input;
  for (const layer of network.layers) {
    const source = layer.kind === 'add' ? layer.inputs.map((name) => outputs.get(name)!) : layer.from !== undefined ? outputs.get(layer.from)! : x;
    x = tfjsLayer(layer, nextSeed).apply(source) as tfl.SymbolicTensor;
    outputs.set(layer.name, x);
  }
  return tfl.model({ inputs: input, outputs: x, name: network.id });
}

/** Every architecture, described (architectureSpecs.ts) and buildable. */
export const ARCHITECTURES: readonly Architecture[] = ARCHITECTURE_SPECS.map((spec) => ({
  ...spec,
  build: (inputShape, numClasses, seed) => buildNetwork(networkOf(spec, inputShape, numClasses), seed),
}));

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
