// The training worker: owns the tfjs backend, the datasets on the device, the teachers and the
// run. It imports nothing from the UI; the page talks to it only through protocol.ts messages.
/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BUILTIN_DATASETS, getBuiltinDataset } from '../data/registry';
import { loadBuiltinDataset } from '../data/load';
import { concatBytes } from '../data/bytes';
import { classCounts, transferIndices } from '../data/split';
import { selectSplit, uploadSplit, type DeviceSplit } from '../data/device';
import type { DatasetInfo, FetchBytes, ImageSet } from '../data/types';
import { ARCHITECTURES, countParameters, disposeModel, getArchitecture } from '../models/architectures';
import { loadModelFromFiles, loadModelFromSourceFiles, readModelManifest, serializeModel, weightFileName } from '../models/io';
import { teacherMismatch, teacherModelPath } from '../models/catalog';
import { runExperiment, type RunData } from '../train/runExperiment';
import { computeTeacherView, logitsAt, misclassifiedExamples } from '../train/inspect';
import { RunControl } from '../train/control';
import { omittedClassReport } from '../train/omittedClasses';
import { usesTeacher, type ExperimentConfig } from '../train/config';
import { checkTermLayers } from '../train/layerCheck';
import { evaluateTeacher } from '../train/evaluate';
import { architectureTaps, listTaps } from '../models/taps';
import { destroyWebGpuDevice, selectBackend, useCpu, webGpuDeviceLost } from './backend';
import { loadShippedLogits, logitRows, trainSplitFingerprint } from '../models/shippedLogits';
import type { BackendName, DatasetSummary, FromWorker, TeacherSource, ToWorker } from './protocol';
import { errorMessage } from '../core/errors';

declare const self: DedicatedWorkerGlobalScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}


let baseUrl = '';
let ready: Promise<void> | null = null;
let deviceLost = false;
let deviceLostSignal: Promise<GPUDeviceLostInfo> | null = null;

/**
 * Whether a failure was the WebGPU device going away. Its `lost` promise can settle seconds after
 * the first failed GPU call (measured under load on SwiftShader), so a failure that reads like a
 * GPU one waits longer for it than any other failure.
 */
async function causedByDeviceLoss(failure?: unknown): Promise<boolean> {
  if (deviceLost) return true;
  if (!deviceLostSignal) return false;
  const gpuLike = /GPU|mapAsync|device/i.test(errorMessage(failure ?? ''));
  await Promise.race([deviceLostSignal, new Promise((resolve) => setTimeout(resolve, gpuLike ? 5000 : 500))]);
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
  post({ type: 'backend', backend: choice.backend, fallbackReason: choice.fallbackReason, why: choice.why ?? null });
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
  /** trainSplitFingerprint of the host training split: ties shipped teacher logits to it. */
  trainFingerprint: string;
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
  return concatBytes(chunks);
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
      trainFingerprint: await trainSplitFingerprint(dataset.train),
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
    post({ type: 'datasetFailed', dataset: id, message: errorMessage(error) });
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

function loadShippedTeacher(id: string): Promise<tfl.LayersModel> {
  const existing = shippedTeachers.get(id);
  if (existing) return existing;
  const loading = (async () => {
    const modelPath = teacherModelPath(id);
    const folder = modelPath.slice(0, modelPath.lastIndexOf('/') + 1);
    const modelJson = await fetchJson(modelPath);
    const weights = new Map<string, Uint8Array>();
    for (const group of readModelManifest(modelJson, modelPath).groups) {
      for (const path of group.paths) weights.set(path, await fetchBytes(folder + path));
    }
    const model = await loadModelFromFiles(modelJson, weights, modelPath);
    model.trainable = false;
    return model;
  })();
  shippedTeachers.set(id, loading);
  loading.catch(() => shippedTeachers.delete(id));
  return loading;
}

async function loadTeacherFiles(source: Extract<TeacherSource, { kind: 'files' }>): Promise<tfl.LayersModel> {
  // Uploads are matched by plain file name: the browser gives no folders.
  const byName = new Map(source.weightFiles.map((file) => [file.name, file]));
  const model = await loadModelFromSourceFiles(source.modelFile, (manifestPath) => byName.get(weightFileName(manifestPath)));
  model.trainable = false;
  return model;
}

function modelShape(model: tfl.LayersModel): { inputShape: (number | null)[]; numClasses: number } {
  const output = model.outputs[0].shape;
  return { inputShape: model.inputs[0].shape.slice(), numClasses: output[output.length - 1] ?? 0 };
}

function mismatchFor(model: tfl.LayersModel, info: Pick<DatasetInfo, 'name' | 'inputShape' | 'numClasses'>): string | null {
  return teacherMismatch(model.inputs[0].shape, model.outputs[0].shape, info);
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
      uploadedTeacher = { name: source.modelFile.name, model };
      post({
        type: 'teacherChecked',
        ok: true,
        message: `${source.modelFile.name} fits ${info.name}`,
        parameters: model.countParams(),
        ...modelShape(model),
      });
      return;
    }
    const model = await resolveTeacher(source, info);
    post({ type: 'teacherChecked', ok: true, message: `Teacher fits ${info.name}`, parameters: model.countParams(), ...modelShape(model) });
  } catch (error) {
    post({ type: 'teacherChecked', ok: false, message: errorMessage(error) });
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
    uploadedTeacher = { name: source.modelFile.name, model };
  }
  const mismatch = mismatchFor(model, info);
  if (mismatch) throw new Error(mismatch);
  return model;
}

// ---------------------------------------------------------------- runs

let current: { runId: string; control: RunControl } | null = null;
/** What a wait raced against a stop resolves to when the stop came first. */
const STOPPED = Symbol('stopped');
/**
 * The student of the latest run, while it trains and after it ends (the explorer, the run
 * inspector and model export read it); disposed when the next run starts.
 */
let lastStudent: tfl.LayersModel | null = null;
let lastStudentRun: { runId: string; config: ExperimentConfig; state: 'training' | 'trained' } | null = null;

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
  // An export of the previous student in flight reads its weights: let it finish first.
  if (studentExport) await studentExport.catch(() => {});
  disposeModel(lastStudent);
  lastStudent = null;
  lastStudentRun = null;
  let student: tfl.LayersModel | null = null;
  const owned: DeviceSplit[] = [];
  try {
    // A download can take minutes: a stop does not wait for it (the dataset keeps loading for later runs).
    const stopped = control.whenStopped().then((): typeof STOPPED => STOPPED);
    post({ type: 'phase', runId, phase: 'loading', detail: 'dataset' });
    const loaded = await Promise.race([ensureDataset(config.dataset), stopped]);
    if (loaded === STOPPED) {
      post({ type: 'stopped', runId, phase: 'loading' });
      return;
    }
    let teacher: tfl.LayersModel | null = null;
    if (usesTeacher(config)) {
      if (!teacherSource) throw new Error(`Method "${config.method}" needs a teacher`);
      post({ type: 'phase', runId, phase: 'loading', detail: 'teacher' });
      const resolved = await Promise.race([resolveTeacher(teacherSource, loaded.info), stopped]);
      if (resolved === STOPPED) {
        post({ type: 'stopped', runId, phase: 'loading' });
        return;
      }
      teacher = resolved;
    }
    student = getArchitecture(config.student, 'student').build(loaded.info.inputShape, loaded.info.numClasses, config.seed);
    lastStudent = student;
    lastStudentRun = { runId, config, state: 'training' };
    const limited = (split: DeviceSplit, limit: number | undefined) => {
      const result = limitSplit(split, limit);
      if (result.owned) owned.push(result.split);
      return result.split;
    };
    // The transfer set: omitted classes left out, then the first trainLimit samples.
    let trainPositions: Int32Array | null = null;
    const transferSplit = (split: DeviceSplit) => {
      const indices = transferIndices(split.hostLabels, config.omitClasses, config.trainLimit);
      trainPositions = indices;
      if (!indices) return split;
      const selected = selectSplit(split, indices);
      owned.push(selected);
      return selected;
    };
    const data: RunData = {
      info: loaded.info,
      train: transferSplit(loaded.train),
      val: limited(loaded.val, config.valLimit),
      test: limited(loaded.test, config.testLimit),
    };
    // A shipped teacher's training-split logits come with it: no teacher pass before the first step.
    let teacherLogits: Float32Array | null = null;
    if (teacher && teacherSource?.kind === 'shipped' && !config.augment) {
      const shipped = await loadShippedLogits(teacherSource.id, fetchBytes, { count: loaded.train.count, fingerprint: loaded.trainFingerprint });
      if (shipped.logits) teacherLogits = logitRows(shipped.logits, shipped.meta.numClasses, trainPositions);
    }
    const result = await runExperiment({
      config,
      data,
      student,
      teacher,
      teacherLogits,
      control,
      hooks: {
        onSteps: (points) => post({ type: 'steps', runId, points }),
        onEval: (point) => post({ type: 'eval', runId, point }),
        onPhase: (phase, detail) => post({ type: 'phase', runId, phase, detail }),
        onProgress: (step, totalSteps, epoch) => post({ type: 'progress', runId, step, totalSteps, epoch }),
        onPaused: () => post({ type: 'paused', runId }),
        onKnobs: (change) => post({ type: 'knobs', runId, change }),
      },
    });
    // A step that failed because the device went away is reported by the device-lost message.
    if (result.status === 'error' && (await causedByDeviceLoss(result.error?.message))) return;
    // A stopped run scored on part of the splits gets no report: it would mean a whole-split pass again.
    if (config.omitClasses?.length && result.status !== 'error' && !result.scoredOn) {
      result.omitted = await omittedClassReport(student, data.val, data.test, config.omitClasses, loaded.info.numClasses);
    }
    post({ type: 'done', runId, result });
  } catch (error) {
    // A lost device is reported once, by its own message, with the reason the browser gave.
    if (!(await causedByDeviceLoss(error))) post({ type: 'error', runId, message: errorMessage(error) });
  } finally {
    if (student !== lastStudent) disposeModel(student);
    if (lastStudentRun?.runId === runId) lastStudentRun.state = 'trained';
    for (const split of owned) {
      split.images.dispose();
      split.labels.dispose();
    }
    current = null;
  }
}

// ---------------------------------------------------------------- looking inside (explorer, inspector)

const buffersOf = (...arrays: ArrayBufferView[]) => arrays.map((array) => array.buffer as ArrayBuffer);

async function answerTeacherView(request: Extract<ToWorker, { type: 'teacherView' }>): Promise<void> {
  const { requestId } = request;
  try {
    const loaded = await ensureDataset(request.dataset);
    const teacher = await resolveTeacher(request.teacher, loaded.info);
    const view = await computeTeacherView(teacher, loaded.test, loaded.info.numClasses, request.limit, request.perClass);
    post({ type: 'teacherView', requestId, view, message: '' }, buffersOf(view.logits, view.labels, ...view.grid.map((image) => image.pixels)));
  } catch (error) {
    post({ type: 'teacherView', requestId, view: null, message: errorMessage(error) });
  }
}

async function answerStudentView(request: Extract<ToWorker, { type: 'studentView' }>): Promise<void> {
  const { requestId } = request;
  const model = lastStudent;
  const run = lastStudentRun;
  if (!model || !run) {
    post({ type: 'studentView', requestId, student: null, logits: null, message: 'No student has been trained yet: start a run on the Lab page.' });
    return;
  }
  const student = { runId: run.runId, state: run.state, dataset: run.config.dataset, architecture: run.config.student, method: run.config.method };
  if (run.config.dataset !== request.dataset) {
    const name = getBuiltinDataset(run.config.dataset).name;
    post({ type: 'studentView', requestId, student, logits: null, message: `The last student learned ${name}: train one on this dataset to see it here.` });
    return;
  }
  try {
    const loaded = await ensureDataset(request.dataset);
    const logits = await logitsAt(model, loaded.test, request.indices);
    post({ type: 'studentView', requestId, student, logits, message: '' }, buffersOf(logits));
  } catch (error) {
    post({ type: 'studentView', requestId, student, logits: null, message: errorMessage(error) });
  }
}

async function answerMisclassified(request: Extract<ToWorker, { type: 'misclassified' }>): Promise<void> {
  const { requestId, runId } = request;
  const model = lastStudent;
  const run = lastStudentRun;
  if (!model || run?.runId !== runId) {
    post({ type: 'misclassified', requestId, runId, pairs: null, message: 'The student of this run is gone (a newer run replaced it).' });
    return;
  }
  let test: { split: DeviceSplit; owned: boolean } | null = null;
  try {
    const loaded = await ensureDataset(run.config.dataset);
    // The same test images the run was evaluated on.
    test = limitSplit(loaded.test, run.config.testLimit);
    const pairs = await misclassifiedExamples(model, test.split, request.pairs, request.limit);
    post({ type: 'misclassified', requestId, runId, pairs, message: '' }, buffersOf(...pairs.flatMap((pair) => pair.examples.map((image) => image.pixels))));
  } catch (error) {
    post({ type: 'misclassified', requestId, runId, pairs: null, message: errorMessage(error) });
  } finally {
    if (test?.owned) {
      test.split.images.dispose();
      test.split.labels.dispose();
    }
  }
}

// ---------------------------------------------------------------- compare page: teacher row, model export

async function answerEvaluateTeacher(request: Extract<ToWorker, { type: 'evaluateTeacher' }>): Promise<void> {
  const { requestId } = request;
  const started = performance.now();
  let val: { split: DeviceSplit; owned: boolean } | null = null;
  let test: { split: DeviceSplit; owned: boolean } | null = null;
  try {
    const loaded = await ensureDataset(request.dataset);
    const teacher = await resolveTeacher(request.teacher, loaded.info);
    // The same val and test samples the runs of the comparison are scored on.
    val = limitSplit(loaded.val, request.valLimit);
    test = limitSplit(loaded.test, request.testLimit);
    const evaluation = await evaluateTeacher(teacher, { info: loaded.info, train: loaded.train, val: val.split, test: test.split }, { ttaShift: request.ttaShift });
    post({ type: 'teacherEvaluated', requestId, evaluation, parameters: teacher.countParams(), seconds: (performance.now() - started) / 1000, message: '' });
  } catch (error) {
    post({ type: 'teacherEvaluated', requestId, evaluation: null, parameters: 0, seconds: (performance.now() - started) / 1000, message: errorMessage(error) });
  } finally {
    for (const limited of [val, test]) {
      if (limited?.owned) {
        limited.split.images.dispose();
        limited.split.labels.dispose();
      }
    }
  }
}

/** The export of lastStudent in progress; a new run waits for it before disposing the model. */
let studentExport: Promise<void> | null = null;

async function answerExportStudent(request: Extract<ToWorker, { type: 'exportStudent' }>): Promise<void> {
  const { requestId, runId } = request;
  const model = lastStudent;
  const run = lastStudentRun;
  if (!model || run?.runId !== runId) {
    post({ type: 'studentExported', requestId, runId, files: null, message: 'The student of this run is gone (a newer run replaced it).' });
    return;
  }
  if (run.state !== 'trained') {
    post({ type: 'studentExported', requestId, runId, files: null, message: 'The student is still training: export it when its run has ended.' });
    return;
  }
  const exporting = (async () => {
    try {
      const files = await serializeModel(model);
      const weights = files.weights.slice().buffer as ArrayBuffer;
      post({ type: 'studentExported', requestId, runId, files: { modelJson: JSON.stringify(files.modelJson), weights }, message: '' }, [weights]);
    } catch (error) {
      post({ type: 'studentExported', requestId, runId, files: null, message: errorMessage(error) });
    }
  })();
  studentExport = exporting;
  await exporting;
  if (studentExport === exporting) studentExport = null;
}

// ---------------------------------------------------------------- layer pickers

async function answerCheckLayers(request: Extract<ToWorker, { type: 'checkLayers' }>): Promise<void> {
  try {
    const info = getBuiltinDataset(request.dataset);
    const studentTaps = architectureTaps(getArchitecture(request.student, 'student'), info.inputShape, info.numClasses);
    const teacherTaps = request.teacher ? listTaps(await resolveTeacher(request.teacher, info)) : [];
    const terms = checkTermLayers(request.terms, studentTaps, teacherTaps, info.numClasses);
    post({ type: 'layersChecked', requestId: request.requestId, studentTaps, teacherTaps, terms, message: null });
  } catch (error) {
    post({ type: 'layersChecked', requestId: request.requestId, studentTaps: [], teacherTaps: [], terms: [], message: errorMessage(error) });
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
        post({ type: 'error', runId: null, message: `Could not start a tfjs backend: ${errorMessage(error)}` });
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
      // 'paused' is posted by the loop once it has actually stopped (hooks.onPaused).
      current?.control.pause();
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
    case 'teacherView':
      await whenReady();
      await answerTeacherView(message);
      return;
    case 'studentView':
      await whenReady();
      await answerStudentView(message);
      return;
    case 'misclassified':
      await whenReady();
      await answerMisclassified(message);
      return;
    case 'checkLayers':
      await whenReady();
      await answerCheckLayers(message);
      return;
    case 'evaluateTeacher':
      await whenReady();
      await answerEvaluateTeacher(message);
      return;
    case 'exportStudent':
      await whenReady();
      await answerExportStudent(message);
      return;
    case 'debugCrash':
      setTimeout(() => {
        throw new Error('Simulated worker crash');
      });
      return;
    case 'debugMemory': {
      const memory = tf.memory();
      post({ type: 'memory', requestId: message.requestId, numTensors: memory.numTensors, numBytes: memory.numBytes, backend: tf.getBackend() });
      return;
    }
  }
}

async function reportFailure(message: string): Promise<void> {
  const runId = current?.runId ?? null;
  if (!(await causedByDeviceLoss(message))) post({ type: 'error', runId, message });
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error) => reportFailure(errorMessage(error)));
});

self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  void reportFailure(`Unexpected failure in the worker: ${errorMessage(event.reason)}`);
});
