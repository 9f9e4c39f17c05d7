// Saving and loading models as model.json + weights.bin, in memory and through a directory.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { loadModelFromFiles, serializeModel, WEIGHTS_FILE } from '../../src/models/io';
import { loadModelFromDir, saveModelToDir } from '../../src/cli/nodeFiles';

const input = () => tf.tensor4d(Float32Array.from({ length: 5 * 64 }, (_, i) => ((i * 37) % 17) / 16), [5, 8, 8, 1]);

function predictions(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }): Float32Array {
  return tf.tidy(() => (model.predict(input()) as tf.Tensor).dataSync() as Float32Array);
}

describe('serializeModel + loadModelFromFiles', () => {
  it.each(['tiny-cnn', 'teacher-cnn', 'teacher-resnet'])('round-trips %s with identical predictions and weights', async (id) => {
    const model = getArchitecture(id).build([8, 8, 1], 10, 17);
    const files = await serializeModel(model);
    expect(files.modelJson.format).toBe('layers-model');
    expect(files.weights.byteLength).toBe(model.countParams() * 4);
    // Through JSON text, as it travels to disk or to the worker.
    const loaded = await loadModelFromFiles(JSON.parse(JSON.stringify(files.modelJson)), new Map([[WEIGHTS_FILE, files.weights]]));
    expect(predictions(loaded)).toEqual(predictions(model));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    expect(loaded.inputs[0].shape).toEqual([null, 8, 8, 1]);
    model.dispose();
    loaded.dispose();
  });

  it('a model with other weights predicts differently (the comparison can fail)', async () => {
    const a = getArchitecture('mlp').build([8, 8, 1], 10, 1);
    const b = getArchitecture('mlp').build([8, 8, 1], 10, 2);
    expect(predictions(a)).not.toEqual(predictions(b));
    a.dispose();
    b.dispose();
  });

  it('refuses a JSON that is not a layers model, and a missing weights file', async () => {
    await expect(loadModelFromFiles({}, new Map())).rejects.toThrow(/not a tfjs layers model/);
    const model = getArchitecture('mlp').build([8, 8, 1], 10, 1);
    const files = await serializeModel(model);
    await expect(loadModelFromFiles(files.modelJson as never, new Map())).rejects.toThrow(/names weight file "weights.bin" but it was not given/);
    model.dispose();
  });

  it('refuses weights of the wrong size', async () => {
    const model = getArchitecture('mlp').build([8, 8, 1], 10, 1);
    const files = await serializeModel(model);
    await expect(loadModelFromFiles(files.modelJson as never, new Map([[WEIGHTS_FILE, files.weights.subarray(0, 100)]]))).rejects.toThrow();
    model.dispose();
  });
});

describe('saveModelToDir + loadModelFromDir', () => {
  it('writes model.json and weights.bin that load back to the same predictions', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-'));
    try {
      const model = getArchitecture('small-cnn').build([8, 8, 1], 10, 5);
      await saveModelToDir(model, dir);
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
      const loaded = await loadModelFromDir(dir);
      expect(predictions(loaded)).toEqual(predictions(model));
      const viaJsonPath = await loadModelFromDir(path.join(dir, 'model.json'));
      expect(predictions(viaJsonPath)).toEqual(predictions(model));
      await expect(loadModelFromDir(path.join(dir, 'missing'))).rejects.toThrow(/No model.json at/);
      [model, loaded, viaJsonPath].forEach((m) => m.dispose());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
