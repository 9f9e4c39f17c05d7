// Every damaged dataset file in the corpus is refused through loadBuiltinDataset (fetch, gunzip,
// parse) with a message naming the file and what was expected, in printable text only, and the
// refusal leaves tfjs' memory as it was.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gunzip } from '../../src/data/gzip';
import { loadBuiltinDataset } from '../../src/data/load';
import type { FetchBytes } from '../../src/data/types';
import { malformedDatasets, validDatasets, type DataCase } from './dataCorpus';
import { gzip } from './idxBytes';

const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\ufffd]*$/;

const fetchFrom =
  (files: Map<string, Uint8Array>): FetchBytes =>
  async (path) => {
    const bytes = files.get(path);
    if (!bytes) throw new Error(`unexpected path ${path}`);
    return bytes;
  };

async function refusal(testCase: DataCase): Promise<string> {
  const before = tf.memory();
  let message: string | null = null;
  try {
    await loadBuiltinDataset(testCase.dataset, fetchFrom(testCase.files));
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  expect(message, `${testCase.name} must be refused`).not.toBeNull();
  expect({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes }).toEqual({ numTensors: before.numTensors, numBytes: before.numBytes });
  return message as string;
}

describe('damaged dataset files', () => {
  it('the undamaged versions load (each case differs from a loadable dataset only as named)', async () => {
    for (const valid of await validDatasets()) {
      const dataset = await loadBuiltinDataset(valid.dataset, fetchFrom(valid.files));
      expect(dataset.train.count + dataset.val.count + dataset.test.count, valid.name).toBe(valid.dataset === 'digits' ? 30 : 25);
    }
  });

  it('refuses each case with its message, naming the file, in printable text, leaving tfjs memory unchanged', async () => {
    const corpus = await malformedDatasets();
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    for (const testCase of corpus) {
      const message = await refusal(testCase);
      expect(message, testCase.name).toMatch(testCase.expected);
      expect(message, testCase.name).toMatch(PRINTABLE);
    }
  });

  it('refuses gzip data that expands beyond the limit, naming the file', async () => {
    const bomb = await gzip(new Uint8Array(200_000));
    expect(bomb.length).toBeLessThan(1000);
    await expect(gunzip(bomb, 'datasets/x.gz', 100_000)).rejects.toThrow(/^datasets\/x\.gz: decompresses to more than 100000 bytes, more than any dataset file holds$/);
    expect((await gunzip(bomb, 'datasets/x.gz', 200_000)).length).toBe(200_000);
  });
});
