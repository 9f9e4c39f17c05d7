// Feature taps: the named layer outputs a distillation method can read. Our architectures name
// them `block1`, `block2`, (`block3`) for the conv blocks (post-ReLU), `embedding` for the
// penultimate layer and `logits` for the output; a loaded model keeps its layer names. The rule
// is network.ts's tapsOf, for a tfjs model here and for a layer list in the PyTorch export.
import * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture, InputShape } from './architectures';
import { networkOf } from './architectureSpecs';
import { networkTaps, tapsOf, type Tap } from './network';

export type { Tap, TapKind } from './network';

function sampleShape(layer: tfl.layers.Layer): number[] {
  const shape = layer.outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) throw new Error(`Layer ${layer.name} has several outputs; it cannot be a tap`);
  return (shape as (number | null)[]).slice(1).map((d) => d ?? -1);
}

/** The layer whose output is the model's (first) output. */
function outputLayer(model: tfl.LayersModel): tfl.layers.Layer {
  return model.outputs[0].sourceLayer as tfl.layers.Layer;
}

/** The layer feeding `layer`, skipping dropout (inactive at inference, a no-op as a tap). */
function previousLayer(layer: tfl.layers.Layer): tfl.layers.Layer | null {
  let current: tfl.layers.Layer | undefined = layer.inboundNodes[0]?.inboundLayers[0];
  while (current && current.getClassName() === 'Dropout') current = current.inboundNodes[0]?.inboundLayers[0];
  return current && current.getClassName() !== 'InputLayer' ? current : null;
}

/**
 * Every tap of a model, in layer order (tapsOf): its conv blocks, then the embedding (the layer
 * named `embedding`, else the one feeding the output layer) and the logits.
 */
export function listTaps(model: tfl.LayersModel): Tap[] {
  const output = outputLayer(model);
  const body = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer' && layer !== output);
  return tapsOf(body, output, () => previousLayer(output), sampleShape);
}

/** The taps of an architecture on a dataset shape, from its layer list (no model is built). */
export function architectureTaps(arch: Architecture, inputShape: InputShape, numClasses: number): Tap[] {
  return networkTaps(networkOf(arch, inputShape, numClasses));
}

/**
 * The same network with the named layers' outputs added before its logits: outputs are
 * [tap_1, ..., tap_n, logits]. It shares every weight with `model`: never dispose it (that would
 * free the original's weights); disposing `model` is enough.
 */
export interface TappedModel {
  model: tfl.LayersModel;
  /** The tap names, in the order of the outputs before the logits. */
  names: readonly string[];
  /** Index in the outputs of a tap (the logits layer's name gives the last one). */
  outputIndex(name: string): number;
}

export function buildTappedModel(model: tfl.LayersModel, names: readonly string[]): TappedModel {
  const unique = [...new Set(names)];
  const logitsName = outputLayer(model).name;
  const taps = unique.filter((name) => name !== logitsName);
  const outputs = taps.map((name) => {
    const layer = findLayer(model, name);
    return layer.output as tfl.SymbolicTensor;
  });
  const tapped = tfl.model({ inputs: model.inputs, outputs: [...outputs, model.outputs[0]], name: `${model.name}_tapped` });
  const outputIndex = (name: string): number => {
    if (name === logitsName) return taps.length;
    const index = taps.indexOf(name);
    if (index < 0) throw new Error(`The tapped ${model.name} has no tap "${name}" (it has ${[...taps, logitsName].join(', ')})`);
    return index;
  };
  return { model: tapped, names: taps, outputIndex };
}

/** The layer called `name`, or an error listing the model's taps. */
export function findLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = model.layers.find((candidate) => candidate.name === name);
  if (!layer) {
    const known = listTaps(model).map((tap) => tap.name);
    throw new Error(`Model ${model.name} has no layer "${name}" (its taps: ${known.join(', ')})`);
  }
  return layer;
}


