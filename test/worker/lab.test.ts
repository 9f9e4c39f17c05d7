// The worker's lab object in Node, driven as the worker file drives it (docs/ARCHITECTURE.md §3):
// requests in, one reply each, events out. The app's files come from public/ through an injected
// fetch; the backend is tfjs' cpu.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../src/worker/lab';
import type { EventMessage, ReplyMessage, ReplyValue, RequestBody, RequestKind, RunUpdate } from '../../src/worker/protocol';
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../../src/train/config';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { gzip, idxBytes } from '../data/idxBytes';

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'public');

const events: EventMessage[] = [];
const fetched: string[] = [];
let lab: Lab;
let nextId = 1;

async function ask<K extends RequestKind>(kind: K, body: RequestBody<K>): Promise<ReplyMessage<K>> {
  const id = nextId++;
  const { reply } = await lab.answer({ id, kind, body });
  expect(reply.id).toBe(id);
  return reply as ReplyMessage<K>;
}

async function value<K extends RequestKind>(kind: K, body: RequestBody<K>): Promise<ReplyValue<K>> {
  const reply = await ask(kind, body);
  if (!reply.ok) throw new Error(`${kind} failed: ${reply.message}`);
  return reply.value;
}

const runUpdates = (runId: string): RunUpdate[] =>
  events.flatMap((event) => (event.event === 'run' && event.payload.runId === runId ? [event.payload.update] : []));

/** A picked file, as the browser hands it to the page. */
const fileOf = (bytes: Uint8Array, name: string) => new File([bytes as BlobPart], name);

const shortRun: ExperimentConfig = { ...DEFAULT_CONFIG, trainLimit: 128, valLimit: 64, testLimit: 64, batchSize: 32, epochs: 1, evalEvery: 4 };

/** What init handed selectBackend of the page's kept race verdicts. */
const racesGiven: unknown[] = [];

beforeAll(() => {
  installFastCpuKernels();
  lab = createLab({
    post: (message) => events.push(message),
    fetch: async (url) => {
      fetched.push(url);
      try {
        return new Response(await readFile(fileURLToPath(url)));
      } catch {
        return new Response(null, { status: 404 });
      }
    },
    selectBackend: async (_preferred, remembered) => {
      await tf.setBackend('cpu');
      racesGiven.push(remembered);
      return { backend: 'cpu', fallbackReason: null, why: 'the test asks for cpu', race: { key: 'the race here', backend: 'cpu', why: 'cpu won' } };
    },
    useCpu: async () => void (await tf.setBackend('cpu')),
    deviceLost: () => null,
    destroyDevice: () => {},
  });
});

describe('the worker lab', () => {
  it('answers a request sent before init with a failure, then starts its backend and counts every architecture', async () => {
    const early = await ask('loadDataset', { dataset: 'digits' });
    expect(early).toEqual({ id: early.id, ok: false, message: 'The worker was used before init' });
    const kept = { 'an earlier race': { backend: 'wasm' as const, why: 'wasm won' } };
    const start = await value('init', { baseUrl: pathToFileURL(PUBLIC + path.sep).href, rememberedRaces: kept });
    expect(start.backend).toBe('cpu');
    expect(start.why).toBe('the test asks for cpu');
    // The page's kept verdicts reach the choice; a race run now comes back for the page to keep.
    expect(racesGiven).toEqual([kept]);
    expect(start.race).toEqual({ key: 'the race here', backend: 'cpu', why: 'cpu won' });
    // tiny-cnn on 8×8 Digits: conv 3×3×1×16 + 16, conv 3×3×16×32 + 32, one 2×2 pool, dense 4·4·32×10 + 10.
    expect(start.parameters.digits['tiny-cnn']).toBe(9 * 16 + 16 + 9 * 16 * 32 + 32 + 512 * 10 + 10);
  });

  it('loads a dataset with progress events and summarises it', async () => {
    const summary = await value('loadDataset', { dataset: 'digits' });
    expect(summary.sizes.train + summary.sizes.val + summary.sizes.test).toBe(1797);
    expect(summary.classCounts.reduce((a, b) => a + b, 0)).toBe(summary.sizes.train);
    expect(summary.samples).toHaveLength(20);
    const progress = events.filter((e) => e.event === 'datasetProgress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.payload).toMatchObject({ dataset: 'digits', fraction: 1 });
    expect(fetched.every((url) => url.startsWith('file:'))).toBe(true);
  });

  it('checks a shipped teacher, and refuses files that do not fit the dataset with the reason', async () => {
    const fit = await value('checkTeacher', { dataset: 'digits', teacher: { kind: 'shipped', id: 'digits-teacher-cnn' } });
    expect(fit).toMatchObject({ numClasses: 10, inputShape: [null, 8, 8, 1] });
    const folder = path.join(PUBLIC, 'teachers', 'mnist-teacher-cnn');
    const modelFile = new File([await readFile(path.join(folder, 'model.json'))], 'model.json');
    const weightFiles = [new File([await readFile(path.join(folder, 'weights.bin'))], 'weights.bin')];
    const refused = await ask('checkTeacher', { dataset: 'digits', teacher: { kind: 'files', modelFile, weightFiles } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/28×28|28x28|input/i);
    // The layer pickers list the taps of the network being trained, a teacher architecture too ("Train a teacher").
    const layers = await value('checkLayers', { dataset: 'digits', student: 'teacher-resnet', teacher: null, peer: null, terms: [] });
    expect(layers.studentTaps.map((tap) => tap.name)).toEqual(expect.arrayContaining(['block1', 'block2', 'block3', 'embedding', 'logits']));
    // A mutual method has no teacher: the other side is the peer architecture's layers, checked as a run would.
    const udml = { method: 'udml', weight: 1, params: {} };
    const mutual = await value('checkLayers', { dataset: 'digits', student: 'tiny-cnn', teacher: null, peer: 'small-cnn', terms: [udml] });
    expect(mutual.teacherTaps.map((tap) => `${tap.name} ${tap.shape.join('x')}`)).toEqual(['block1 8x8x16', 'block2 8x8x32', 'block3 4x4x64', 'embedding 64', 'logits 10']);
    expect(mutual.terms[0]).toMatchObject({ method: 'udml', readsLayers: true, studentLayers: ['block2'], teacherLayers: ['block2'], problem: null });
    const twin = await value('checkLayers', { dataset: 'digits', student: 'tiny-cnn', teacher: null, peer: 'tiny-cnn', terms: [udml] });
    expect(twin.teacherTaps).toEqual(twin.studentTaps);
    expect(twin.terms[0]).toMatchObject({ studentLayers: ['block2'], teacherLayers: ['block2'], problem: null });
    const pairRefused = await value('checkLayers', { dataset: 'digits', student: 'tiny-cnn', teacher: null, peer: 'tiny-cnn', terms: [{ ...udml, studentLayers: ['block1'], teacherLayers: ['block2'] }] });
    expect(pairRefused.terms[0].problem).toMatch(/^UDML .* cannot use student block1 \[8,8,16\] with peer block2 \[8,8,32\]/);
    // Nothing was kept: a run that asks for the uploaded teacher is refused.
    const none = await ask('teacherView', { dataset: 'digits', teacher: { kind: 'uploaded' }, limit: 10, perClass: 1 });
    expect(none.ok ? '' : none.message).toBe('No teacher has been loaded from disk');
  });

  it('trains a short KD run, with its steps as run events and its result as the reply; then exports its student', async () => {
    const before = tf.memory().numTensors;
    const end = await value('start', { runId: 'run-a', config: shortRun, teacher: { kind: 'shipped', id: 'digits-teacher-cnn' } });
    expect(end.outcome).toBe('result');
    if (end.outcome !== 'result') return;
    expect(end.result.status).toBe('done');
    expect(end.result.steps).toBe(4);
    const updates = runUpdates('run-a');
    const steps = updates.flatMap((u) => (u.type === 'steps' ? u.points.map((p) => p.step) : []));
    expect(steps).toEqual([1, 2, 3, 4]);
    expect(updates.some((u) => u.type === 'eval')).toBe(true);
    expect(updates.filter((u) => u.type === 'progress').at(-1)).toMatchObject({ step: 4, totalSteps: 4 });

    const files = await value('exportStudent', { runId: 'run-a' });
    const model = JSON.parse(files.modelJson) as { weightsManifest: unknown[] };
    expect(model.weightsManifest).toHaveLength(1);
    expect(files.weights.byteLength).toBe(end.result.studentParameters * 4);
    // The student is kept for the explorer and the inspector; nothing else stays on the device.
    const view = await value('studentView', { dataset: 'digits', indices: [0, 1, 2] });
    expect(view.student).toMatchObject({ runId: 'run-a', state: 'trained', architecture: 'tiny-cnn' });
    expect(view.logits).toHaveLength(30);
    const kept = tf.memory().numTensors - before;
    const second = await value('start', { runId: 'run-b', config: shortRun, teacher: { kind: 'shipped', id: 'digits-teacher-cnn' } });
    expect(second.outcome).toBe('result');
    expect(tf.memory().numTensors - before).toBe(kept);
  });

  it('answers failures with their message: a run while one trains, a student that is gone, a configuration the real split refuses', async () => {
    const running = lab.answer({ id: nextId++, kind: 'start', body: { runId: 'run-c', config: withMethod({ ...shortRun, epochs: 3 }, 'none'), teacher: null } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = await ask('start', { runId: 'run-d', config: shortRun, teacher: null });
    expect(second.ok ? '' : second.message).toBe('A run is already in progress');
    expect((await ask('stop', {})).ok).toBe(true);
    const { reply } = await running;
    expect(reply.ok && (reply.value as ReplyValue<'start'>).outcome).toBe('result');

    const gone = await ask('exportStudent', { runId: 'run-a' });
    expect(gone.ok ? '' : gone.message).toBe('The student of this run is gone (a newer run replaced it).');
    const tooBig = await ask('start', { runId: 'run-e', config: withMethod({ ...shortRun, trainLimit: 50, batchSize: 64 }, 'none'), teacher: null });
    expect(tooBig.ok ? '' : tooBig.message).toBe('Batch size 64 is larger than the training set (50 samples)');
    const unknown = await ask('loadDataset', { dataset: 'cifar-1000' });
    expect(unknown.ok).toBe(false);
    const noTeacher = await ask('start', { runId: 'run-f', config: shortRun, teacher: null });
    expect(noTeacher.ok ? '' : noTeacher.message).toBe('Method "kd" needs a teacher');
  });

  it('reads a dataset from IDX files (read by src/data/files/, whose tests cover every format), keeps it like a shipped one and trains on it; bad files get one message naming the problem', async () => {
    // 90 images of 6×6 in 3 classes: class k is a bright k-th band of rows, so a run can learn it.
    const count = 90;
    const pixels = new Uint8Array(count * 36);
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
    for (let i = 0; i < count; i++) for (let p = 0; p < 12; p++) pixels[i * 36 + labels[i] * 12 + p] = 200 + (i % 50);
    const files = [fileOf((await gzip(idxBytes([count, 6, 6], pixels))), 'bands-images-idx3-ubyte.gz'), fileOf(idxBytes([count], labels), 'bands-labels-idx1-ubyte')];
    const { summary, parameters } = await value('uploadDataset', { name: 'Bands', files });
    expect(summary).toMatchObject({ id: 'upload:bands', name: 'Bands', inputShape: [6, 6, 1], numClasses: 3 });
    // No test files: 20 % held out as test, then 10 % of the rest as val.
    expect(summary.sizes).toEqual({ test: 18, val: 7, train: 65 });
    expect(summary.classCounts.reduce((a, b) => a + b, 0)).toBe(65);
    expect(parameters.mlp).toBe(36 * 32 + 32 + 32 * 3 + 3);
    expect(events.some((e) => e.event === 'datasetProgress' && e.payload.dataset === 'upload:bands')).toBe(true);
    const config = withMethod({ ...DEFAULT_CONFIG, dataset: 'upload:bands', student: 'mlp', batchSize: 16, epochs: 15, evalEvery: 1000, lr: 0.01 }, 'none');
    const end = await value('start', { runId: 'run-upload', config, teacher: null });
    expect(end.outcome === 'result' && end.result.testAccuracy).toBeGreaterThan(0.9);
    // A teacher of another shape is refused against the uploaded dataset's shape.
    const teacher = await ask('checkTeacher', { dataset: 'upload:bands', teacher: { kind: 'shipped', id: 'digits-teacher-cnn' } });
    expect(teacher.ok ? '' : teacher.message).toMatch(/6×6|6x6|input/i);

    const refusals: [File[], RegExp][] = [
      [[fileOf(idxBytes([4, 6, 6], new Uint8Array(144)), 'a-images'), fileOf(idxBytes([5], new Uint8Array(5)), 'a-labels')], /a-labels: 5 labels for the 4 images of a-images/],
      [[new File([new Uint8Array([1, 2, 3, 4, 5])], 'x-images'), fileOf(idxBytes([1], [0]), 'x-labels')], /x-images: not an IDX file/],
      [[fileOf(idxBytes([3, 2, 2], new Uint8Array(12)), 'y-images'), fileOf(idxBytes([3], [0, 2, 2]), 'y-labels')], /class \d has no training images/],
      [[fileOf(idxBytes([1], [0]), 'only-labels')], /one image file and one label file are needed/],
    ];
    for (const [bad, message] of refusals) {
      const reply = await ask('uploadDataset', { name: 'Bad', files: bad });
      expect(reply.ok ? '' : reply.message).toMatch(message);
    }
    // The good dataset is still there after the refusals.
    expect((await ask('loadDataset', { dataset: 'upload:bands' })).ok).toBe(true);
  });

  it('refuses images too small for the student before any step (the wasm engine would read out of bounds), trains the MLP on them, and condemns itself after a wasm trap', async () => {
    // One pixel column: 1×1 images in 3 classes.
    const csv = Array.from({ length: 120 }, (_, i) => `${i % 3},${(i % 3) * 100 + (i % 7)}`).join('\n');
    const { summary, parameters } = await value('uploadDataset', { name: 'dots', files: [fileOf(new TextEncoder().encode(csv), 'dots.csv')] });
    expect(summary.inputShape).toEqual([1, 1, 1]);
    // Architectures the images are too small for are never built to count them.
    expect(Object.keys(parameters).sort()).toEqual(['mlp']);
    const tinyRun = withMethod({ ...DEFAULT_CONFIG, dataset: summary.id, batchSize: 16, epochs: 1 }, 'none');
    const tooSmall = await ask('start', { runId: 'run-dots', config: tinyRun, teacher: null });
    expect(tooSmall.ok ? '' : tooSmall.message).toBe('dots: the images are 1×1 pixels; Tiny CNN halves them once with max-pooling and needs at least 2×2');
    // A refusal leaves nothing behind (the first start also let the previous run's student go).
    const tensors = tf.memory().numTensors;
    expect((await ask('start', { runId: 'run-dots-again', config: tinyRun, teacher: null })).ok).toBe(false);
    expect(tf.memory().numTensors).toBe(tensors);
    const end = await value('start', { runId: 'run-dots-mlp', config: withMethod({ ...DEFAULT_CONFIG, dataset: summary.id, student: 'mlp', batchSize: 16, epochs: 1 }, 'none'), teacher: null });
    expect(end.outcome === 'result' && end.result.status).toBe('done');

    expect(events.some((e) => e.event === 'engineFailed')).toBe(false);
    const fault = await ask('debugEngineFault', {});
    expect(fault.ok ? '' : fault.message).toMatch(/memory access out of bounds/);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failed = events.filter((e) => e.event === 'engineFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0].payload).toEqual({ message: 'The cpu engine failed inside (memory access out of bounds (simulated by the test hook))' });
  });

  // Last: after a (simulated) device loss every failure reads as that loss.
  it("answers the browser tests' hooks: the worker's memory, and a device loss simulated where there is no WebGPU device", async () => {
    expect(await value('debugMemory', {})).toEqual({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes, backend: 'cpu' });
    expect(await value('debugLoseDevice', {})).toBeNull();
    expect(events.filter((e) => e.event === 'deviceLost').map((e) => e.payload)).toEqual([{ message: 'Simulated device loss on the cpu backend' }]);
  });
});
