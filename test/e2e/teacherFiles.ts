// A tiny tfjs layers model for 28×28×1 inputs, written as model.json + weights.bin: a teacher
// that does not fit Digits (8×8×1), for the upload test.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serializeModel, WEIGHTS_FILE } from '../../src/models/io';

/** Writes the model into `folder`; returns the paths to hand to the file input. */
export async function writeMismatchedTeacher(folder: string): Promise<string[]> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner in the test output
  await tf.setBackend('cpu');
  const input = tfl.input({ shape: [28, 28, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10 }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  const files = await serializeModel(model);
  model.dispose();
  const modelPath = path.join(folder, 'model.json');
  const weightsPath = path.join(folder, WEIGHTS_FILE);
  await writeFile(modelPath, JSON.stringify(files.modelJson));
  await writeFile(weightsPath, files.weights);
  return [modelPath, weightsPath];
}
