// Malformed teacher uploads in the browser: each is refused with its message, the teacher loaded
// before stays, and the worker's tfjs memory (tensors and bytes) is exactly what it was.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { inputValue, openLab } from './lab';
import { buildValidModel, malformedModels, type ModelCase } from '../models/modelCorpus';
import { MAX_MODEL_JSON_BYTES, WEIGHTS_FILE } from '../../src/models/io';

/** The corpus cases uploaded here: one of each kind a user is likely to pick by mistake. */
const UPLOADED = ['truncated weights', 'weights larger than the manifest', 'NaN weight', 'model.json of binary garbage', 'model.json holding null', 'weight path climbing out with ../'];

async function writeCase(folder: string, name: string, modelJson: Uint8Array, weights: Map<string, Uint8Array>): Promise<string[]> {
  const dir = path.join(folder, name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(dir);
  await writeFile(path.join(dir, 'model.json'), modelJson);
  const paths = [path.join(dir, 'model.json')];
  for (const [file, bytes] of weights) {
    await writeFile(path.join(dir, file), bytes);
    paths.push(path.join(dir, file));
  }
  return paths;
}

async function workerMemory(page: Page): Promise<{ numTensors: number; numBytes: number }> {
  const memory = await page.evaluate(() => window.__distillLab?.workerMemory());
  assert.ok(memory, 'the page must expose the worker memory hook');
  return { numTensors: memory.numTensors, numBytes: memory.numBytes };
}

/** Upload `files` and return the upload status once it says `expected`. */
async function upload(page: Page, files: string[], expected: RegExp): Promise<string> {
  await page.getByTestId('teacher-upload').setInputFiles(files);
  const status = page.getByTestId('teacher-upload-status');
  try {
    await page.waitForFunction(
      ([source, flags]) => new RegExp(source, flags).test(document.querySelector('[data-testid="teacher-upload-status"]')?.textContent ?? ''),
      [expected.source, expected.flags],
      { timeout: 60_000, polling: 100 },
    );
  } catch {
    throw new Error(`the upload status never matched ${expected}: it says "${((await status.textContent()) ?? '').trim()}"`);
  }
  return ((await status.textContent()) ?? '').trim();
}

test('uploads: malformed teachers are refused with a message naming the file, keep the loaded teacher and leave the worker memory unchanged', 300_000, async (t) => {
  const { page } = t;
  tf.env().set('PROD', true); // no "install tfjs-node" banner in the test output
  await tf.setBackend('cpu');
  const valid = await buildValidModel();
  const corpus = malformedModels(valid);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-uploads-'));
  try {
    const validFiles = await writeCase(folder, 'valid', new TextEncoder().encode(JSON.stringify(valid.modelJson)), new Map([[WEIGHTS_FILE, valid.weights]]));
    const cases = UPLOADED.map((name) => corpus.find((c) => c.name === name)).filter((c): c is ModelCase => c !== undefined);
    assert.equal(cases.length, UPLOADED.length, 'every uploaded case must be in the corpus');
    // A 100 MB model.json (sparse: never read, so never written either).
    const hugeDir = path.join(folder, 'huge');
    await mkdir(hugeDir);
    const hugeModel = path.join(hugeDir, 'model.json');
    await writeFile(hugeModel, '');
    await truncate(hugeModel, 100_000_000);

    // Method none: no shipped teacher is loaded behind the test's back while it measures.
    await openLab(page, `${t.server.url}?dataset=digits&method=none`);
    await upload(page, validFiles, /fits Digits/);
    assert.equal(await inputValue(page, 'teacher-select'), 'custom', 'the valid teacher must be selected');
    const before = await workerMemory(page);
    const seen: string[] = [];
    for (const testCase of cases) {
      const files = await writeCase(folder, testCase.name, testCase.modelJson, testCase.weights);
      const message = await upload(page, files, testCase.expected);
      assert.deepEqual(await workerMemory(page), before, `after "${testCase.name}" the worker's tensors and bytes must be as before`);
      seen.push(`${testCase.name}: "${message}"`);
    }
    // 100 MB of weights for a 1,936-value model (sparse too): refused by its size, before it is read.
    const hugeWeights = path.join(hugeDir, WEIGHTS_FILE);
    await writeFile(hugeWeights, '');
    await truncate(hugeWeights, 100_000_000);
    const oversized = await upload(page, [validFiles[0], hugeWeights], new RegExp(`^weights\\.bin: expected exactly ${valid.bytes} bytes for ${valid.count} weights \\(as model\\.json describes them\\), got 100000000$`));
    assert.deepEqual(await workerMemory(page), before, 'after 100 MB of weights the worker memory must be as before');
    seen.push(`100 MB weights.bin: "${oversized}"`);
    const longTasksBefore = await page.evaluate(() => window.__e2e?.longTasks.length ?? 0);
    const huge = await upload(page, [hugeModel, validFiles[1]], new RegExp(`^model\\.json is 100000000 bytes: a tfjs model\\.json describes layers and weights in at most ${MAX_MODEL_JSON_BYTES} bytes`));
    assert.deepEqual(await workerMemory(page), before, 'after the 100 MB model.json the worker memory must be as before');
    const longTasks = await page.evaluate((from) => (window.__e2e?.longTasks ?? []).slice(from).map((task) => task.duration), longTasksBefore);
    seen.push(`100 MB model.json: "${huge}"; longest main-thread task meanwhile ${Math.max(0, ...longTasks).toFixed(0)} ms`);
    assert.equal(await inputValue(page, 'teacher-select'), 'custom', 'the teacher loaded before must stay selected after the refusals');
    t.note(`worker memory ${before.numTensors} tensors / ${before.numBytes} bytes throughout`);
    for (const line of seen) t.note(line);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
