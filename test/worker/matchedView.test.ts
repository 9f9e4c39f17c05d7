// The matched view through the worker's lab object (docs/ARCHITECTURE.md §3, §4.6), driven as the
// worker drives it: asked while an AT run trains, while it is paused, at its start and after it
// ended; its arrays travel as distinct transferable buffers, and it leaves no tensor behind.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../src/worker/lab';
import type { EventMessage, MatchedViewReply, ReplyMessage, RequestBody, RequestKind, RunUpdate } from '../../src/worker/protocol';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'public');
const TEACHER = { kind: 'shipped', id: 'digits-teacher-cnn' } as const;

const events: EventMessage[] = [];
let lab: Lab;
let nextId = 1;

async function ask<K extends RequestKind>(kind: K, body: RequestBody<K>): Promise<{ reply: ReplyMessage<K>; transfer: Transferable[] }> {
  const answer = await lab.answer({ id: nextId++, kind, body });
  return answer as { reply: ReplyMessage<K>; transfer: Transferable[] };
}

async function view(body: RequestBody<'matchedView'>): Promise<{ value: MatchedViewReply; transfer: Transferable[] }> {
  const { reply, transfer } = await ask('matchedView', body);
  if (!reply.ok) throw new Error(reply.message);
  return { value: reply.value, transfer };
}

const updates = (runId: string): RunUpdate[] => events.flatMap((e) => (e.event === 'run' && e.payload.runId === runId ? [e.payload.update] : []));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

const firstMap = (reply: MatchedViewReply) => {
  const [term] = reply.terms;
  if (term.show !== 'maps') throw new Error(`expected maps, got ${term.show}`);
  return term.maps[0];
};

beforeAll(async () => {
  installFastCpuKernels();
  lab = createLab({
    post: (message) => events.push(message),
    fetch: async (url) => {
      try {
        return new Response(await readFile(fileURLToPath(url)));
      } catch {
        return new Response(null, { status: 404 });
      }
    },
    selectBackend: async () => {
      await tf.setBackend('cpu');
      return { backend: 'cpu', fallbackReason: null };
    },
    useCpu: async () => void (await tf.setBackend('cpu')),
    deviceLost: () => null,
    destroyDevice: () => {},
  });
  await ask('init', { baseUrl: pathToFileURL(PUBLIC + path.sep).href });
});

describe('the matchedView request', () => {
  it('draws an AT run while it trains, paused, at its start and after it ended', async () => {
    // Long enough to be asked mid-run; stopped by the test.
    const config: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'at'), trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 200, evalEvery: 1000 };
    const running = lab.answer({ id: nextId++, kind: 'start', body: { runId: 'run-m', config, teacher: TEACHER } });
    await until(() => updates('run-m').some((u) => u.type === 'steps'));

    const training = await view({ runId: 'run-m', imageIndex: 3 });
    expect(training.value).toMatchObject({ runId: 'run-m', state: 'training', when: 'now', image: { index: 3 } });
    expect(training.value.step).toBeGreaterThan(0);
    expect(firstMap(training.value).layers).toEqual({ student: 'block1', teacher: 'block1' });

    expect((await ask('pause', {})).reply.ok).toBe(true);
    await until(() => updates('run-m').some((u) => u.type === 'paused'));
    const paused = await view({ runId: 'run-m', imageIndex: 3 });
    expect(paused.value.state).toBe('paused');
    expect((await view({ runId: 'run-m', imageIndex: 3 })).value.step).toBe(paused.value.step);

    const start = await view({ runId: 'run-m', imageIndex: 3, when: 'start' });
    expect(start.value).toMatchObject({ state: 'paused', when: 'start', step: 0 });
    expect(firstMap(start.value).student.values).not.toEqual(firstMap(paused.value).student.values);
    // The teacher does not train: its maps are the same at the start.
    expect(firstMap(start.value).teacher.values).toEqual(firstMap(paused.value).teacher.values);

    expect((await ask('stop', {})).reply.ok).toBe(true);
    const { reply } = await running;
    expect(reply.ok).toBe(true);

    // After the run: the trained student and the kept parts, the same pictures as when it paused.
    const before = tf.memory().numTensors;
    const ended = await view({ runId: 'run-m', imageIndex: 3 });
    const again = await view({ runId: 'run-m', imageIndex: 3, when: 'start' });
    expect(tf.memory().numTensors).toBe(before);
    expect(ended.value).toMatchObject({ state: 'trained', step: paused.value.step });
    expect(firstMap(ended.value).student.values).toEqual(firstMap(paused.value).student.values);
    expect(firstMap(again.value).student.values).toEqual(firstMap(start.value).student.values);

    // Every array travels in its own buffer: a transfer list the browser accepts.
    const arrays = 2 * 3 + 1; // two layer pairs' three maps, and the image
    expect(ended.transfer).toHaveLength(arrays);
    expect(new Set(ended.transfer).size).toBe(arrays);
    const moved = structuredClone(ended.value, { transfer: ended.transfer as Transferable[] });
    expect(moved.image?.pixels).toHaveLength(64);
  });

  it('answers a missing image and a replaced run with their message', async () => {
    const missing = await ask('matchedView', { runId: 'run-m', imageIndex: 100000 });
    expect(missing.reply.ok ? '' : missing.reply.message).toMatch(/^Test image 100000 does not exist: the test split has \d+ images$/);
    const config = { ...withMethod(DEFAULT_CONFIG, 'kd'), trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 1 };
    expect((await ask('start', { runId: 'run-n', config, teacher: TEACHER })).reply.ok).toBe(true);
    const gone = await ask('matchedView', { runId: 'run-m', imageIndex: 3 });
    expect(gone.reply.ok ? '' : gone.reply.message).toBe('The student of this run is gone (a newer run replaced it).');
    const kd = await view({ runId: 'run-n', imageIndex: 3 });
    expect(kd.value.terms.map((term) => term.show)).toEqual(['soft-labels']);
    expect(kd.transfer).toHaveLength(0);
  });

  it('draws a UDML run against its peer, kept after the run and rebuilt at its start, and frees that peer with the next run', async () => {
    const before = tf.memory().numTensors;
    const config: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'udml'), trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 1 };
    const end = await ask('start', { runId: 'run-u', config, teacher: null });
    expect(end.reply.ok).toBe(true);
    const kept = tf.memory().numTensors;
    const ended = await view({ runId: 'run-u', imageIndex: 3 });
    const start = await view({ runId: 'run-u', imageIndex: 3, when: 'start' });
    expect(tf.memory().numTensors).toBe(kept);
    expect(ended.value).toMatchObject({ state: 'trained', step: 4 });
    const [term] = ended.value.terms;
    expect(term).toMatchObject({ method: 'udml', against: 'peer', show: 'maps' });
    expect(firstMap(ended.value).layers).toEqual({ student: 'block2', teacher: 'block2' });
    // Both students trained: the peer's map at the end is not the one it started from.
    expect(firstMap(start.value).teacher.values).not.toEqual(firstMap(ended.value).teacher.values);
    expect(firstMap(start.value).student.values).not.toEqual(firstMap(ended.value).student.values);

    // The next run frees the kept student and peer.
    const next = { ...withMethod(DEFAULT_CONFIG, 'none'), trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 1 };
    expect((await ask('start', { runId: 'run-v', config: next, teacher: null })).reply.ok).toBe(true);
    const gone = await ask('matchedView', { runId: 'run-u', imageIndex: 3 });
    expect(gone.reply.ok).toBe(false);
    // Before the UDML run the kd run's student was kept, after the next run the 'none' run's: one tiny-cnn each, and no peer.
    expect(kept).toBeGreaterThan(before);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('draws an AFD run its attention over the layer pairs on the batch, every grid in its own transferred buffer', async () => {
    const config: ExperimentConfig = { ...withMethod(DEFAULT_CONFIG, 'afd'), trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 1 };
    expect((await ask('start', { runId: 'run-a', config, teacher: TEACHER })).reply.ok).toBe(true);
    const ended = await view({ runId: 'run-a', imageIndex: 3 });
    const [term] = ended.value.terms;
    if (term.show !== 'layer-pairs') throw new Error(`expected layer pairs, got ${term.show}`);
    expect(term.against).toBe('teacher');
    const [pairs] = term.layerPairs;
    expect(pairs.layers).toEqual({ student: ['block1', 'block2'], teacher: ['block1', 'block2'] });
    expect([pairs.attention.rows, pairs.attention.columns]).toEqual([2, 2]);
    expect(ended.value.image).toBeNull();
    expect(ended.value.batch?.indices).toHaveLength(40);
    // Three grids and the batch's indices and labels.
    expect(ended.transfer).toHaveLength(5);
    expect(new Set(ended.transfer).size).toBe(5);
  });
});
