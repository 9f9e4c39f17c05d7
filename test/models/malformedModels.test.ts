// Every malformed teacher in the corpus is refused with its message, by each way a model is loaded
// (in memory as the worker does, from picked files as an upload, from a folder as the CLI), and
// each refusal leaves tfjs' memory exactly as it was.
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromFiles, loadModelFromSourceFiles, MAX_MODEL_JSON_BYTES, parseModelJson, WEIGHTS_FILE, type ModelSourceFile } from '../../src/models/io';
import { loadModelFromDir } from '../../src/cli/nodeFiles';
import { buildValidModel, malformedModels, type ModelCase, type ValidModel } from './modelCorpus';

let valid: ValidModel;
let corpus: ModelCase[];
let folder: string;

beforeAll(async () => {
  valid = await buildValidModel();
  corpus = malformedModels(valid);
  folder = await mkdtemp(path.join(tmpdir(), 'distillation-lab-corpus-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The message `load` is refused with; fails when it loads, or when tfjs' memory changed. */
async function refusal(load: () => Promise<unknown>): Promise<string> {
  const before = tf.memory();
  let message: string | null = null;
  try {
    await load();
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  expect(message, 'the model must be refused').not.toBeNull();
  expect({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes }).toEqual({ numTensors: before.numTensors, numBytes: before.numBytes });
  return message as string;
}

/** Printable text only: no byte of a garbage file reaches the terminal or the page. */
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\ufffd]*$/;

const unanchored = (pattern: RegExp) => new RegExp(pattern.source.replace(/^\^/, ''));

const fileOf = (bytes: Uint8Array, name: string): File => new File([bytes as BlobPart], name);

describe('malformed teacher files', () => {
  it('the valid model the corpus is built from loads by each path (the corpus differs from it only as named)', async () => {
    const viaMemory = await loadModelFromFiles(valid.modelJson, new Map([[WEIGHTS_FILE, valid.weights]]));
    const viaFiles = await loadModelFromSourceFiles(fileOf(new TextEncoder().encode(JSON.stringify(valid.modelJson)), 'model.json'), () =>
      fileOf(valid.weights, WEIGHTS_FILE),
    );
    const dir = path.join(folder, 'valid');
    await mkdir(dir);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(valid.modelJson));
    await writeFile(path.join(dir, WEIGHTS_FILE), valid.weights);
    const viaDir = await loadModelFromDir(dir);
    for (const model of [viaMemory, viaFiles, viaDir]) {
      expect(model.countParams() * 4).toBe(valid.bytes);
      model.dispose();
    }
  });

  it('loads a model whose manifest also carries optimizer state (bytes that belong to no layer)', async () => {
    const json = JSON.parse(JSON.stringify(valid.modelJson)) as { weightsManifest: { weights: Record<string, unknown>[] }[] };
    json.weightsManifest[0].weights.push({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
    const weights = new Uint8Array(valid.bytes + 4);
    weights.set(valid.weights);
    const before = tf.memory().numTensors;
    const model = await loadModelFromFiles(json, new Map([[WEIGHTS_FILE, weights]]));
    expect(model.countParams() * 4).toBe(valid.bytes);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('covers each kind of damage the loader must refuse', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it('refuses each case in memory (the worker path) with its message, leaving no tensor behind', async () => {
    for (const testCase of corpus) {
      const message = await refusal(async () => loadModelFromFiles(parseModelJson(new TextDecoder().decode(testCase.modelJson)), testCase.weights));
      expect(message, testCase.name).toMatch(testCase.expected);
      expect(message, testCase.name).toMatch(PRINTABLE);
    }
  });

  it('refuses each case given as picked files (the upload path) with its message, matching weight files by plain name', async () => {
    for (const testCase of corpus) {
      const files = new Map([...testCase.weights].map(([name, bytes]) => [name, fileOf(bytes, name)]));
      const message = await refusal(() => loadModelFromSourceFiles(fileOf(testCase.modelJson, 'model.json'), (p) => files.get(p.split('/').pop() ?? p)));
      expect(message, testCase.name).toMatch(testCase.expected);
      expect(message, testCase.name).toMatch(PRINTABLE);
    }
  });

  it('refuses each case from a folder (the CLI path), naming the file by its path', async () => {
    for (const [i, testCase] of corpus.entries()) {
      const dir = path.join(folder, `case-${i}`);
      await mkdir(dir);
      await writeFile(path.join(dir, 'model.json'), testCase.modelJson);
      for (const [name, bytes] of testCase.weights) await writeFile(path.join(dir, name), bytes);
      const message = await refusal(() => loadModelFromDir(dir));
      expect(message, testCase.name).toMatch(unanchored(testCase.expected));
      expect(message, testCase.name).toMatch(PRINTABLE);
      if (/^model\.json/.test(testCase.expected.source.replace(/\\/g, '').replace(/^\^/, ''))) {
        expect(message, testCase.name).toContain(path.join(dir, 'model.json'));
      }
    }
  });

  it('does not read a file outside the folder: ../ in the manifest is refused, and so is a weights.bin linking out', async () => {
    const outside = path.join(folder, 'secret.bin');
    await writeFile(outside, valid.weights);
    const dir = path.join(folder, 'inner', 'model');
    await mkdir(dir, { recursive: true });
    const json = JSON.parse(JSON.stringify(valid.modelJson)) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0].paths = ['../../secret.bin'];
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    expect(await refusal(() => loadModelFromDir(dir))).toMatch(/paths\[0\] "\.\.\/\.\.\/secret\.bin" points outside the model's folder/);
    const linked = path.join(folder, 'linked');
    await mkdir(linked);
    await writeFile(path.join(linked, 'model.json'), JSON.stringify(valid.modelJson));
    await symlink(outside, path.join(linked, WEIGHTS_FILE));
    expect(await refusal(() => loadModelFromDir(linked))).toMatch(/weight file "weights\.bin" is a link to a file outside the model's folder/);
  });

  it('refuses a model.json too large to be a model description, and wrong-sized weights, before reading a byte', async () => {
    const unread = (name: string, size: number): ModelSourceFile => ({
      name,
      size,
      arrayBuffer: () => {
        throw new Error(`${name} was read`);
      },
    });
    const huge = await refusal(() => loadModelFromSourceFiles(unread('model.json', 100_000_000), () => undefined));
    expect(huge).toBe(`model.json is 100000000 bytes: a tfjs model.json describes layers and weights in at most ${MAX_MODEL_JSON_BYTES} bytes (the weights go in .bin files)`);
    const modelFile = fileOf(new TextEncoder().encode(JSON.stringify(valid.modelJson)), 'model.json');
    const oversized = await refusal(() => loadModelFromSourceFiles(modelFile, () => unread(WEIGHTS_FILE, 100_000_000)));
    expect(oversized).toBe(`weights.bin: expected exactly ${valid.bytes} bytes for ${valid.count} weights (as model.json describes them), got 100000000`);
  });
});
