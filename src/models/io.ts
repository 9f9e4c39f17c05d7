// Save and load tfjs LayersModels as model.json + one weights file, on any platform.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface ModelFiles {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

export const WEIGHTS_FILE = 'weights.bin';

/** Serialise a model in the tfjs layers-model format (what tf.loadLayersModel reads). */
export async function serializeModel(model: tfl.LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weights = new Uint8Array(total);
      let offset = 0;
      for (const buffer of buffers) {
        weights.set(new Uint8Array(buffer), offset);
        offset += buffer.byteLength;
      }
      files = {
        modelJson: {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        },
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!files) throw new Error('model.save did not produce artifacts');
  return files;
}

/** Load a model from model.json plus its weight files, given as bytes by name. */
export async function loadModelFromFiles(
  modelJson: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] },
  weightFiles: Map<string, Uint8Array>,
): Promise<tfl.LayersModel> {
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error('model.json is not a tfjs layers model (it needs modelTopology and weightsManifest)');
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const path of group.paths) {
      const name = path.split('/').pop() ?? path;
      const bytes = weightFiles.get(name);
      if (!bytes) throw new Error(`model.json names weight file "${name}" but it was not given`);
      parts.push(bytes);
    }
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    weightData.set(part, offset);
    offset += part.byteLength;
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: specs,
      weightData: weightData.buffer,
    }),
  );
}
