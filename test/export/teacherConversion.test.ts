// The tfjs -> PyTorch conversion in train.py: a shipped teacher, loaded into the module the export
// writes for it, gives tfjs' logits on the same images (<= 1e-4): conv kernels HWIO -> OIHW,
// dense kernels transposed, and the rows of the dense layer after a flatten reordered from NHWC's
// (h, w, c) to NCHW's (c, h, w). Also a student whose flatten feeds the classifier directly.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../../src/data/load';
import { fetchPublicFile, loadModelFromDir, shippedTeacherDir } from '../../src/cli/nodeFiles';
import { readModelFolder } from '../../src/cli/pytorchExport';
import { getArchitecture } from '../../src/models/architectures';
import { serializeModel } from '../../src/models/io';
import { architectureNetwork, networkFromModelJson } from '../../src/export/networks';
import { networkModuleSource } from '../../src/export/networkModules';
import { createRng } from '../../src/core/rng';
import { CONVERSION_HARNESS, reportMissingTorch, runPython, TORCH_PYTHON } from './python';


async function tfjsLogits(model: tfl.LayersModel, images: Float32Array, shape: number[]): Promise<Float32Array> {
  const input = tf.tensor4d(images, [images.length / (shape[0] * shape[1] * shape[2]), shape[0], shape[1], shape[2]]);
  const logits = model.predict(input) as tf.Tensor;
  const values = (await logits.data()) as Float32Array;
  tf.dispose([input, logits]);
  return values;
}

reportMissingTorch('the teacher conversion test');
describe.skipIf(!TORCH_PYTHON)('tfjs weights in PyTorch (needs torch)', () => {
  it('give the shipped teachers\' logits and a tiny-cnn\'s on the same images (<= 1e-4)', async () => {
    const digits = await loadBuiltinDataset('digits', fetchPublicFile);
    const digitImages = Float32Array.from(digits.test.images.subarray(0, 64 * 64)); // 64 test images (the shipped sets are floats)
    const random = createRng(3);
    const mnistShaped = Float32Array.from({ length: 16 * 28 * 28 }, () => random());
    const jobs: { class: string; folder: string; images: Float32Array; shape: number[]; model: tfl.LayersModel }[] = [];
    const modules: string[] = [];
    for (const [id, images, shape] of [['digits-teacher-cnn', digitImages, [8, 8, 1]], ['mnist-teacher-cnn', mnistShaped, [28, 28, 1]]] as const) {
      const folder = shippedTeacherDir(id);
      const network = networkFromModelJson(JSON.parse((await readModelFolder(folder)).modelJson));
      const className = `Teacher_${id.replace(/-/g, '_')}`;
      modules.push(networkModuleSource(network, className, id));
      jobs.push({ class: className, folder, images, shape: [...shape], model: await loadModelFromDir(folder) });
    }
    // A student on MNIST shapes: tiny-cnn flattens 7x7x16 straight into its logits layer.
    const student = getArchitecture('tiny-cnn').build([28, 28, 1], 10, 5);
    const studentFolder = await mkdtemp(path.join(tmpdir(), 'lab-student-'));
    const files = await serializeModel(student);
    await writeFile(path.join(studentFolder, 'model.json'), JSON.stringify(files.modelJson));
    await writeFile(path.join(studentFolder, 'weights.bin'), files.weights);
    modules.push(networkModuleSource(architectureNetwork('tiny-cnn', [28, 28, 1], 10), 'TinyStudent', 'tiny-cnn'));
    jobs.push({ class: 'TinyStudent', folder: studentFolder, images: mnistShaped, shape: [28, 28, 1], model: student });

    const python = runPython<{ logits: number[] }[]>(CONVERSION_HARNESS(modules.join('\n\n\n')), { jobs: jobs.map(({ model: _model, images, ...job }) => ({ ...job, images: Array.from(images) })) }).map((answer) => answer.logits);
    for (const [i, job] of jobs.entries()) {
      const lab = await tfjsLogits(job.model, job.images, job.shape);
      expect(python[i].length, job.class).toBe(lab.length);
      const worst = Math.max(...Array.from(lab, (value, j) => Math.abs(value - python[i][j])));
      const largest = Math.max(...Array.from(lab, Math.abs));
      expect(largest, `${job.class}: logits of a real size`).toBeGreaterThan(1);
      expect(worst, `${job.class}: largest logit difference`).toBeLessThanOrEqual(1e-4);
      job.model.dispose();
    }
    await rm(studentFolder, { recursive: true, force: true });
  });
});
