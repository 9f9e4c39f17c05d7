// The training worker: owns the tfjs backend, the datasets on the device, the teachers and the
// run. It imports nothing from the UI; the page talks to it only through protocol.ts messages.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BUILTIN_DATASETS, getBuiltinDataset } from '../data/registry';
import { loadBuiltinDataset } from '../data/load';
import { classCounts } from '../data/split';
import { uploadSplit, type DeviceSplit } from '../data/device';
import type { DatasetInfo, FetchBytes, ImageSet } from '../data/types';
import { ARCHITECTURES, countParameters, disposeModel, getArchitecture } from '../models/architectures';
import { loadModelFromFiles } from '../models/io';
import { teacherMismatch, teacherModelPath } from '../models/catalog';
import { runExperiment, type RunData } from '../train/runExperiment';
import { RunControl } from '../train/control';
import { usesTeacher, type ExperimentConfig } from '../train/config';
import { destroyWebGpuDevice, selectBackend, useCpu, webGpuDeviceLost } from './backend';
import type { BackendName, DatasetSummary, FromWorker, TeacherSource, ToWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let baseUrl = '';
let ready: Promise<void> | null = null;
let deviceLost = false;
let deviceLostSignal: Promise<GPUDeviceLostInfo> | null = null;

/** Whether a failure was the WebGPU device going away (its `lost` promise may settle a moment later). */
async function causedByDeviceLoss(): Promise<boolean> {
  if (deviceLost) return true;
  if (!deviceLostSignal) return false;
  await Promise.race([deviceLostSignal, new Promise((resolve) => setTimeout(resolve, 500))]);
  return deviceLost;
}

async function initialise(preferred: BackendName | undefined): Promise<void> {
  // Parameter counts need a backend to build the models on; cpu is cheap and always there.
  await useCpu();
  const parameters: Record<string, Record<string, number>> = {};
  for (const dataset of BUILTIN_DATASETS) {
    parameters[dataset.id] = {};
    for (const arch of ARCHITECTURES) {
      parameters[dataset.id][arch.id] = countParameters(arch, dataset.inputShape, dataset.numClasses);
    }
  }
  post({ type: 'architectures', parameters });
  const choice = await selectBackend(preferred);
  post({ type: 'backend', backend: choice.backend, fallbackReason: choice.fallbackReason });
  deviceLostSignal = webGpuDeviceLost();
  deviceLostSignal?.then((info) => {
    deviceLost = true;
    post({ type: 'deviceLost', message: `The WebGPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})` });
  });
}

function whenReady(): Promise<void> {
  return ready ?? Promise.reject(new Error('The worker was used before init'));
}

// ---------------------------------------------------------------- datasets

interface LoadedDataset {
  info: DatasetInfo;
  train: DeviceSplit;
  val: DeviceSplit;
  test: DeviceSplit;
  summary: DatasetSummary;
}

const datasets = new Map<string, Promise<LoadedDataset>>();

/** Streams a file from the app's origin, reporting bytes as they arrive. */
const fetchBytes: FetchBytes = async (path, onProgress) => {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`Could not download ${path} (HTTP ${response.status})`);
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.length, bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.(loaded, Math.max(total, loaded));
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
};

/** Up to `perClass` images of every class, round-robin over classes, for the dataset card. */
function sampleImages(set: ImageSet, numClasses: number, perClass: number): DatasetSummary['samples'] {
  const size = set.images.length / Math.max(set.count, 1);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < set.count && byClass.some((list) => list.length < perClass); i++) {
    const list = byClass[set.labels[i]];
    if (list && list.length < perClass) list.push(i);
  }
  const samples: DatasetSummary['samples'] = [];
  for (let round = 0; round < perClass; round++) {
    for (const list of byClass) {
      const index = list[round];
      if (index === undefined) continue;
      samples.push({ pixels: set.images.slice(index * size, (index + 1) * size), label: set.labels[index] });
    }
  }
  return samples;
}

function ensureDataset(id: string): Promise<LoadedDataset> {
  const existing = datasets.get(id);
  if (existing) return existing;
  const loading = (async () => {
    let lastPost = 0;
    const dataset = await loadBuiltinDataset(id, fetchBytes, ({ fraction, message }) => {
      const now = performance.now();
      if (fraction < 1 && now - lastPost < 100) return;
      lastPost = now;
      post({ type: 'datasetProgress', dataset: id, fraction, message });
    });
    const { info } = dataset;
    const summary: DatasetSummary = {
      ...info,
      sizes: { train: dataset.train.count, val: dataset.val.count, test: dataset.test.count },
      classCounts: classCounts(dataset.train, info.numClasses),
      samples: sampleImages(dataset.train, info.numClasses, 2),
    };
    post({ type: 'datasetProgress', dataset: id, fraction: 1, message: `Uploading ${info.name} to ${tf.getBackend()}` });
    // Uploaded once and kept: every later run on this dataset gathers its batches on the device.
    const loaded: LoadedDataset = {
      info,
      train: uploadSplit(dataset.train, info.inputShape),
      val: uploadSplit(dataset.val, info.inputShape),
      test: uploadSplit(dataset.test, info.inputShape),
      summary,
    };
    return loaded;
  })();
  datasets.set(id, loading);
  loading.catch(() => datasets.delete(id));
  return loading;
}

async function loadDataset(id: string): Promise<void> {
  try {
    const loaded = await ensureDataset(id);
    post({ type: 'datasetReady', summary: loaded.summary });
  } catch (error) {
    post({ type: 'datasetFailed', dataset: id, message: describe(error) });
  }
}

/** The first `limit` samples of a device split (a view made on the device), or the split itself. */
function limitSplit(split: DeviceSplit, limit: number | undefined): { split: DeviceSplit; owned: boolean } {
  if (limit === undefined || limit >= split.count) return { split, owned: false };
  const count = Math.max(1, Math.floor(limit));
  return {
    split: {
      images: tf.slice(split.images, 0, count),
      labels: tf.slice(split.labels, 0, count),
      hostLabels: split.hostLabels.subarray(0, count),
      count,
    },
    owned: true,
  };
}

// ---------------------------------------------------------------- teachers

const shippedTeachers = new Map<string, Promise<tfl.LayersModel>>();
let uploadedTeacher: { name: string; model: tfl.LayersModel } | null = null;

async function fetchJson(path: string): Promise<unknown> {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`Could not download ${path} (HTTP ${response.status})`);
  return response.json();
}

type ModelJson = Parameters<typeof loadModelFromFiles>[0];

function loadShippedTeacher(id: string): Promise<tfl.LayersModel> {
  const existing = shippedTeachers.get(id);
  if (existing) return existing;
  const loading = (async () => {
    const modelPath = teacherModelPath(id);
    const folder = modelPath.slice(0, modelPath.lastIndexOf('/') + 1);
    const modelJson = (await fetchJson(modelPath)) as ModelJson;
    const weights = new Map<string, Uint8Array>();
    for (const group of modelJson.weightsManifest ?? []) {
      for (const path of group.paths) {
        weights.set(path.split('/').pop() ?? path, await fetchBytes(folder + path));
      }
    }
    const model = await loadModelFromFiles(modelJson, weights);
    model.trainable = false;
    return model;
  })();
  shippedTeachers.set(id, loading);
  loading.catch(() => shippedTeachers.delete(id));
  return loading;
}

async function loadTeacherFiles(source: Extract<TeacherSource, { kind: 'files' }>): Promise<tfl.LayersModel> {
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(source.modelJson) as ModelJson;
  } catch {
    throw new Error(`${source.name} is not valid JSON`);
  }
  const weights = new Map(source.weights.map((file) => [file.name, new Uint8Array(file.bytes)]));
  const model = await loadModelFromFiles(modelJson, weights);
  model.trainable = false;
  return model;
}

function modelShape(model: tfl.LayersModel): { inputShape: (number | null)[]; numClasses: number } {
  const output = model.outputs[0].shape;
  return { inputShape: model.inputs[0].shape.slice(), numClasses: output[output.length - 1] ?? 0 };
}

function mismatchFor(model: tfl.LayersModel, info: Pick<DatasetInfo, 'name' | 'inputShape' | 'numClasses'>): string | null {
  const { inputShape, numClasses } = modelShape(model);
  return teacherMismatch(inputShape, numClasses, info);
}

async function checkTeacher(dataset: string, source: TeacherSource): Promise<void> {
  try {
    const info = getBuiltinDataset(dataset);
    if (source.kind === 'files') {
      const model = await loadTeacherFiles(source);
      const mismatch = mismatchFor(model, info);
      if (mismatch) {
        disposeModel(model);
        post({ type: 'teacherChecked', ok: false, message: mismatch });
        return;
      }
      if (uploadedTeacher) disposeModel(uploadedTeacher.model);
      uploadedTeacher = { name: source.name, model };
      post({
        type: 'teacherChecked',
        ok: true,
        message: `${source.name} fits ${info.name}`,
        parameters: model.countParams(),
        ...modelShape(model),
      });
      return;
    }
    const model = await resolveTeacher(source, info);
    post({ type: 'teacherChecked', ok: true, message: `Teacher fits ${info.name}`, parameters: model.countParams(), ...modelShape(model) });
  } catch (error) {
    post({ type: 'teacherChecked', ok: false, message: describe(error) });
  }
}

async function resolveTeacher(source: TeacherSource, info: Pick<DatasetInfo, 'name' | 'inputShape' | 'numClasses'>): Promise<tfl.LayersModel> {
  let model: tfl.LayersModel;
  if (source.kind === 'shipped') model = await loadShippedTeacher(source.id);
  else if (source.kind === 'uploaded') {
    if (!uploadedTeacher) throw new Error('No teacher has been loaded from disk');
    model = uploadedTeacher.model;
  } else {
    model = await loadTeacherFiles(source);
    if (uploadedTeacher) disposeModel(uploadedTeacher.model);
    uploadedTeacher = { name: source.name, model };
  }
  const mismatch = mismatchFor(model, info);
  if (mismatch) throw new Error(mismatch);
  return model;
}

// ---------------------------------------------------------------- runs

let current: { runId: string; control: RunControl } | null = null;

async function startRun(runId: string, config: ExperimentConfig, teacherSource: TeacherSource | null): Promise<void> {
  if (current) {
    post({ type: 'error', runId, message: 'A run is already in progress' });
    return;
  }
  if (deviceLost) {
    post({ type: 'error', runId, message: 'The WebGPU device was lost; reload the page to train again' });
    return;
  }
  const control = new RunControl();
  current = { runId, control };
  let student: tfl.LayersModel | null = null;
  const owned: DeviceSplit[] = [];
  try {
    post({ type: 'phase', runId, phase: 'loading', detail: 'dataset' });
    const loaded = await ensureDataset(config.dataset);
    let teacher: tfl.LayersModel | null = null;
    if (usesTeacher(config)) {
      if (!teacherSource) throw new Error(`Method "${config.method}" needs a teacher`);
      post({ type: 'phase', runId, phase: 'loading', detail: 'teacher' });
      teacher = await resolveTeacher(teacherSource, loaded.info);
    }
    student = getArchitecture(config.student, 'student').build(loaded.info.inputShape, loaded.info.numClasses, config.seed);
    const limited = (split: DeviceSplit, limit: number | undefined) => {
      const result = limitSplit(split, limit);
      if (result.owned) owned.push(result.split);
      return result.split;
    };
    const data: RunData = {
      info: loaded.info,
      train: limited(loaded.train, config.trainLimit),
      val: limited(loaded.val, config.testLimit),
      test: limited(loaded.test, config.testLimit),
    };
    const result = await runExperiment({
      config,
      data,
      student,
      teacher,
      control,
      hooks: {
        onSteps: (points) => post({ type: 'steps', runId, points }),
        onEval: (point) => post({ type: 'eval', runId, point }),
        onPhase: (phase, detail) => post({ type: 'phase', runId, phase, detail }),
        onProgress: (step, totalSteps, epoch) => post({ type: 'progress', runId, step, totalSteps, epoch }),
      },
    });
    post({ type: 'done', runId, result });
  } catch (error) {
    // A lost device is reported once, by its own message, with the reason the browser gave.
    if (!(await causedByDeviceLoss())) post({ type: 'error', runId, message: describe(error) });
  } finally {
    disposeModel(student);
    for (const split of owned) {
      split.images.dispose();
      split.labels.dispose();
    }
    current = null;
  }
}

// ---------------------------------------------------------------- messages

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init':
      baseUrl = message.baseUrl;
      ready = initialise(message.preferredBackend);
      try {
        await ready;
      } catch (error) {
        post({ type: 'error', runId: null, message: `Could not start a tfjs backend: ${describe(error)}` });
      }
      return;
    case 'loadDataset':
      await whenReady();
      await loadDataset(message.dataset);
      return;
    case 'checkTeacher':
      await whenReady();
      await checkTeacher(message.dataset, message.teacher);
      return;
    case 'start':
      await whenReady();
      await startRun(message.runId, message.config, message.teacher);
      return;
    case 'pause':
      if (current) {
        current.control.pause();
        post({ type: 'paused', runId: current.runId });
      }
      return;
    case 'resume':
      if (current) {
        current.control.resume();
        post({ type: 'resumed', runId: current.runId });
      }
      return;
    case 'stop':
      current?.control.stop();
      return;
    case 'setKnobs':
      current?.control.setKnobs(message.knobs);
      return;
    case 'debugLoseDevice':
      if (tf.getBackend() === 'webgpu') destroyWebGpuDevice();
      else post({ type: 'deviceLost', message: `Simulated device loss on the ${tf.getBackend()} backend` });
      return;
    case 'debugCrash':
      setTimeout(() => {
        throw new Error('Simulated worker crash');
      });
      return;
  }
}

async function reportFailure(message: string): Promise<void> {
  const runId = current?.runId ?? null;
  if (!(await causedByDeviceLoss())) post({ type: 'error', runId, message });
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error) => reportFailure(describe(error)));
});

self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  void reportFailure(`Unexpected failure in the worker: ${describe(event.reason)}`);
});
