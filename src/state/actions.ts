// Module-level actions: the only code that changes the store or talks to the worker client.
// Components call these; they never hold the worker themselves.
import { hasMethod } from '../kd/methods';
import { teachersFor, TEACHERS_INDEX, type TeacherCard } from '../models/catalog';
import { usesTeacher, withMethod, type ExperimentConfig } from '../train/config';
import type { LiveKnobs } from '../train/control';
import { TrainerClient } from '../worker/client';
import type { BackendName, FromWorker, TeacherSource, ToWorker } from '../worker/protocol';
import { LossSeries } from './lossSeries';
import { configProblems, CUSTOM_TEACHER, teacherSourceOf } from './problems';
import { initialRun, labStore, type LabState, type RunError, type RunSlice } from './store';
import { decodeConfig, encodeConfig } from './url';
import type { NumberKey } from './knobs';
import { saveFaults } from './runStore';
import { LiveKnobThrottle, type KnobSource } from './liveKnobThrottle';
import { rememberRunSpeed } from './estimate';

const CHART_POINTS = 600;
const PUBLISH_EVERY_MS = 500;
const HARD_STOP_AFTER_MS = 60_000;

let client: TrainerClient | null = null;
let preferredBackend: BackendName | undefined;
let publishTimer: ReturnType<typeof setTimeout> | null = null;
let hardStopTimer: ReturnType<typeof setTimeout> | null = null;
let pendingUploadName = '';
const lossSeries = new LossSeries();

const get = () => labStore.getState();
const set = labStore.setState;

function setRun(patch: Partial<RunSlice['run']>): void {
  set((state) => ({ run: { ...state.run, ...patch } }));
}

function baseUrl(): string {
  return new URL(import.meta.env.BASE_URL, window.location.href).href;
}

// ---------------------------------------------------------------- worker

function ensureClient(): TrainerClient {
  if (client?.alive) return client;
  client = new TrainerClient({ message: handleMessage, crash: handleCrash });
  client.send({ type: 'init', baseUrl: baseUrl(), preferredBackend });
  return client;
}

function dropClient(): void {
  client?.terminate();
  client = null;
  if (hardStopTimer) clearTimeout(hardStopTimer);
  hardStopTimer = null;
  // A new worker has none of the old one's state: datasets reload on demand, uploads are gone.
  set((state) => ({
    datasets: Object.fromEntries(Object.entries(state.datasets).filter(([, d]) => d.status === 'ready')),
    uploadedTeacher: null,
    teacherUpload: state.uploadedTeacher ? { status: 'idle', message: 'The worker restarted: load your teacher again.' } : state.teacherUpload,
  }));
}

function failRun(error: RunError): void {
  publishLoss();
  setRun({ status: 'error', error, phase: null });
}

function handleCrash(reason: string): void {
  dropClient();
  for (const listener of crashListeners) listener(reason);
  failRun({ message: reason, suggestion: 'Press Start to try again: a fresh worker will be started.' });
}

function isCurrentRun(runId: string | null): boolean {
  return runId !== null && runId === get().run.id;
}

const workerListeners = new Set<(message: FromWorker) => void>();
const crashListeners = new Set<(reason: string) => void>();

/** The comparison queue hears when the worker dies (no message will come for its run). */
export function onWorkerCrash(listener: (reason: string) => void): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** Other state modules (the soft-label explorer, the run inspector) hear every worker message here. */
export function onWorkerMessage(listener: (message: FromWorker) => void): () => void {
  workerListeners.add(listener);
  return () => workerListeners.delete(listener);
}

/** Send a message to the worker, starting it when needed. */
export function sendToWorker(message: ToWorker, transfer: Transferable[] = []): void {
  ensureClient().send(message, transfer);
}

function handleMessage(message: FromWorker): void {
  for (const listener of workerListeners) listener(message);
  switch (message.type) {
    case 'backend':
      set({ backend: { name: message.backend, fallbackReason: message.fallbackReason, why: preferredBackend === message.backend ? `chosen by you (${preferredBackend})` : (message.why ?? null) } });
      return;
    case 'architectures':
      set({ parameters: message.parameters });
      return;
    case 'datasetProgress':
      set((state) => ({
        datasets: {
          ...state.datasets,
          [message.dataset]: { ...state.datasets[message.dataset], status: 'loading', fraction: message.fraction, message: message.message },
        },
      }));
      return;
    case 'datasetReady':
      set((state) => ({
        datasets: { ...state.datasets, [message.summary.id]: { status: 'ready', fraction: 1, message: '', summary: message.summary } },
      }));
      return;
    case 'datasetFailed':
      set((state) => ({
        datasets: { ...state.datasets, [message.dataset]: { status: 'failed', fraction: 0, message: message.message } },
      }));
      return;
    case 'teacherChecked':
      if (message.ok && message.inputShape && message.numClasses !== undefined) {
        const name = pendingUploadName || 'your teacher';
        set((state) => ({
          uploadedTeacher: { name, parameters: message.parameters ?? 0, inputShape: message.inputShape ?? [], numClasses: message.numClasses ?? 0 },
          teacherUpload: { status: 'accepted', message: message.message },
          config: { ...state.config, teacher: CUSTOM_TEACHER },
        }));
      } else {
        set({ teacherUpload: { status: 'refused', message: message.message } });
      }
      return;
    case 'phase':
      if (!isCurrentRun(message.runId)) return;
      if (get().run.status === 'paused') {
        setRun({ phase: message.phase, phaseDetail: message.detail ?? '' });
      } else {
        const loading = message.phase === 'loading' || message.phase === 'caching-teacher';
        setRun({ phase: message.phase, phaseDetail: message.detail ?? '', status: loading ? 'loading' : 'training' });
      }
      return;
    case 'steps':
      if (!isCurrentRun(message.runId)) return;
      lossSeries.push(message.points);
      schedulePublish();
      return;
    case 'eval':
      if (!isCurrentRun(message.runId)) return;
      set((state) => ({ run: { ...state.run, evals: [...state.run.evals, message.point] } }));
      return;
    case 'progress':
      if (!isCurrentRun(message.runId)) return;
      setRun({ progress: { step: message.step, totalSteps: message.totalSteps, epoch: message.epoch } });
      return;
    case 'paused':
      if (!isCurrentRun(message.runId)) return;
      // Every step before the pause has arrived: draw them now, then the chart stands still.
      publishLoss();
      setRun({ status: 'paused', pausing: false });
      return;
    case 'resumed':
      if (isCurrentRun(message.runId)) setRun({ status: 'training' });
      return;
    case 'knobs':
      if (!isCurrentRun(message.runId)) return;
      set((state) => ({ run: { ...state.run, knobChanges: [...state.run.knobChanges, message.change] } }));
      return;
    case 'done': {
      // Every run that trained (the Lab's or a comparison's) times the next estimate of its set-up.
      if (message.result.status !== 'error') rememberRunSpeed(message.result);
      if (!isCurrentRun(message.runId)) return;
      if (hardStopTimer) clearTimeout(hardStopTimer);
      hardStopTimer = null;
      publishLoss();
      const { result } = message;
      if (result.status === 'error') {
        setRun({ result, status: 'error', phase: null, error: result.error ?? { message: 'The run failed' } });
      } else {
        setRun({ result, status: result.status, phase: null, phaseDetail: '' });
      }
      return;
    }
    case 'stopped':
      if (!isCurrentRun(message.runId)) return;
      if (hardStopTimer) clearTimeout(hardStopTimer);
      hardStopTimer = null;
      publishLoss();
      setRun({ status: 'stopped', phase: null, phaseDetail: '' });
      return;
    case 'error':
      if (message.runId !== null && !isCurrentRun(message.runId)) return;
      if (hardStopTimer) clearTimeout(hardStopTimer);
      hardStopTimer = null;
      failRun({ message: message.message, step: message.step, suggestion: message.suggestion });
      return;
    case 'deviceLost':
      dropClient();
      set({ backend: null });
      failRun({ message: message.message, suggestion: 'Press Start to train again: the lab will set up the GPU afresh (or fall back to another backend).' });
      return;
  }
}

// ---------------------------------------------------------------- chart publishing

function publishLoss(): void {
  if (publishTimer) clearTimeout(publishTimer);
  publishTimer = null;
  setRun({ lossRows: lossSeries.view(CHART_POINTS) });
}

/** Step metrics arrive every ~250 ms; the chart is redrawn at most every PUBLISH_EVERY_MS. */
function schedulePublish(): void {
  if (publishTimer) return;
  publishTimer = setTimeout(publishLoss, PUBLISH_EVERY_MS);
}

// ---------------------------------------------------------------- set-up

let urlTimer: ReturnType<typeof setTimeout> | null = null;
/** URL keys that belong to the session (backend override, open page, classroom flags), kept when the config is rewritten. */
export const SESSION_URL_KEYS: readonly string[] = ['backend', 'view', 'hide'];

function writeUrl(config: ExperimentConfig): void {
  if (urlTimer) clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const query = encodeConfig(config);
    const current = new URLSearchParams(window.location.search);
    // Settings of the session, not of the experiment, stay as they are.
    for (const key of SESSION_URL_KEYS) {
      const value = current.get(key);
      if (value) query.set(key, value);
    }
    window.history.replaceState(window.history.state, '', `${window.location.pathname}?${query}${window.location.hash}`);
  }, 150);
}

async function loadTeacherIndex(): Promise<void> {
  try {
    const response = await fetch(new URL(TEACHERS_INDEX, baseUrl()));
    const type = response.headers.get('content-type') ?? '';
    // A dev server answers a missing file with index.html: only JSON counts.
    if (!response.ok || !type.includes('json')) throw new Error(`HTTP ${response.status}`);
    const cards = (await response.json()) as TeacherCard[];
    if (!Array.isArray(cards)) throw new Error('not a list');
    set({ teacherIndex: { status: 'ready', cards, message: cards.length ? '' : 'The teacher catalog is empty.' } });
  } catch {
    set({
      teacherIndex: {
        status: 'missing',
        cards: [],
        message: `No pretrained teachers found (${TEACHERS_INDEX} is missing). Load your own teacher or use method "none".`,
      },
    });
  }
  reconcileTeacher();
}

/** Keep the chosen teacher one that fits the dataset (a URL or a dataset change may break that). */
function reconcileTeacher(): void {
  const { config, teacherIndex, uploadedTeacher } = get();
  if (config.teacher === CUSTOM_TEACHER && uploadedTeacher) return;
  if (teacherIndex.status === 'loading') return;
  const fitting = teachersFor(teacherIndex.cards, config.dataset);
  if (fitting.some((card) => card.id === config.teacher)) return;
  if (fitting.length > 0) updateConfig({ teacher: fitting[0].id });
}

/**
 * The failed run's error gives way to the next thing that works: a change of the set-up (a knob, a
 * preset) or a comparison. Its curves stay on the page.
 */
export function clearRunError(): void {
  if (get().run.status === 'error') setRun({ status: 'idle', error: null, phase: null, phaseDetail: '' });
}

/** Leaving the page during a run loses what has not been checkpointed yet: the browser asks first. */
function warnBeforeUnload(event: BeforeUnloadEvent): void {
  if (!isRunActive()) return;
  event.preventDefault();
  event.returnValue = '';
}

/** The key under which the browser remembers a backend the user forced (the header's selector, URL backend=). */
export const BACKEND_STORAGE_KEY = 'distillation-lab.backend';

/** A backend forced by the URL (then remembered) or remembered from before; undefined: the lab chooses. */
function forcedBackend(query: URLSearchParams): BackendName | undefined {
  const isName = (name: string | null): name is BackendName => name === 'webgpu' || name === 'webgl' || name === 'wasm' || name === 'cpu';
  const fromUrl = query.get('backend');
  try {
    if (isName(fromUrl)) localStorage.setItem(BACKEND_STORAGE_KEY, fromUrl);
    else if (fromUrl === 'auto') localStorage.removeItem(BACKEND_STORAGE_KEY);
    const remembered = localStorage.getItem(BACKEND_STORAGE_KEY);
    return isName(remembered) ? remembered : undefined;
  } catch {
    return isName(fromUrl) ? fromUrl : undefined; // storage blocked: the URL alone decides
  }
}

/** Start the lab: configuration from the URL, the worker, the current dataset, the teachers. */
export function initLab(): void {
  const query = new URLSearchParams(window.location.search);
  preferredBackend = forcedBackend(query);
  set({ config: decodeConfig(query) });
  labStore.subscribe((state, previous) => {
    if (state.config !== previous.config) {
      writeUrl(state.config);
      clearRunError();
    }
  });
  window.addEventListener('beforeunload', warnBeforeUnload);
  writeUrl(get().config);
  ensureClient();
  requestDataset(get().config.dataset);
  void loadTeacherIndex();
}

// ---------------------------------------------------------------- configuration

function updateConfig(patch: Partial<ExperimentConfig>): void {
  set((state) => ({ config: { ...state.config, ...patch } }));
}

function requestDataset(id: string): void {
  const existing = get().datasets[id];
  if (existing && existing.status !== 'failed') return;
  set((state) => ({ datasets: { ...state.datasets, [id]: { status: 'loading', fraction: 0, message: 'Starting download' } } }));
  ensureClient().send({ type: 'loadDataset', dataset: id });
}

export function setDataset(id: string): void {
  updateConfig({ dataset: id });
  if (get().config.teacher === CUSTOM_TEACHER && !get().uploadedTeacher) updateConfig({ teacher: '' });
  reconcileTeacher();
  requestDataset(id);
}

/** Replace the whole set-up (a preset): the dataset loads and the teacher follows it, as with the controls. */
export function replaceConfig(next: ExperimentConfig): void {
  const datasetChanged = next.dataset !== get().config.dataset;
  set({ config: structuredClone(next) });
  if (datasetChanged) setDataset(next.dataset);
  else reconcileTeacher();
}

export function retryDataset(): void {
  requestDataset(get().config.dataset);
}

export function setStudent(id: string): void {
  updateConfig({ student: id });
}

export function setTeacher(id: string): void {
  updateConfig({ teacher: id });
}

export function setMethod(id: string): void {
  if (!hasMethod(id) || (id === get().config.method && !get().config.terms)) return;
  // The new method starts from its reference parameters and weight; a recipe and chosen layers
  // are left behind.
  set((state) => ({ config: withMethod(state.config, id) }));
  reconcileTeacher();
}

function isRunActive(): boolean {
  const status = get().run.status;
  return status === 'loading' || status === 'training' || status === 'paused';
}

/** Send knob changes to the running loop: only values that pass validation when they leave. */
function sendValidKnobs(knobs: Partial<LiveKnobs>): void {
  if (!isRunActive()) return;
  const problems = configProblems(get());
  const bad = (field: string) => problems.some((p) => p.field === field);
  const params = Object.fromEntries(Object.entries(knobs.params ?? {}).filter(([name]) => !bad(`param.${name}`)));
  const live: Partial<LiveKnobs> = {};
  if (knobs.kdRatio !== undefined && !bad('kdRatio')) live.kdRatio = knobs.kdRatio;
  if (Object.keys(params).length > 0) live.params = params;
  if (live.kdRatio !== undefined || live.params) client?.send({ type: 'setKnobs', knobs: live });
}

const liveKnobs = new LiveKnobThrottle(sendValidKnobs);

function sendLiveKnobs(knobs: Partial<LiveKnobs>, source: KnobSource): void {
  if (isRunActive()) liveKnobs.push(knobs, source);
}

export function setParam(name: string, value: number, source: KnobSource = 'typed'): void {
  set((state) => ({ config: { ...state.config, params: { ...state.config.params, [name]: value } } }));
  sendLiveKnobs({ params: { [name]: value } }, source);
}

export function setNumber(key: NumberKey, value: number | undefined, source: KnobSource = 'typed'): void {
  updateConfig({ [key]: value } as Partial<ExperimentConfig>);
  if (key === 'kdRatio' && value !== undefined) sendLiveKnobs({ kdRatio: value }, source);
}

export function setChoice(key: 'optimizer' | 'lrSchedule', value: string): void {
  if (key === 'optimizer' && (value === 'adam' || value === 'sgd')) updateConfig({ optimizer: value });
  if (key === 'lrSchedule' && (value === 'constant' || value === 'cosine')) updateConfig({ lrSchedule: value });
}

/** Classes left out of the transfer set (sorted; none: the whole training set). */
export function setOmitClasses(classes: readonly number[]): void {
  const sorted = [...new Set(classes)].sort((x, y) => x - y);
  updateConfig({ omitClasses: sorted.length > 0 ? sorted : undefined });
}

export function setAugment(on: boolean): void {
  updateConfig({ augment: on });
}

export function setSmoothLoss(on: boolean): void {
  set((state) => ({ ui: { ...state.ui, smoothLoss: on } }));
}

export function setLogLoss(on: boolean): void {
  set((state) => ({ ui: { ...state.ui, logLoss: on } }));
}

// ---------------------------------------------------------------- teachers from disk

/** Send model.json and its weight files to the worker, which loads and checks them. */
export async function uploadTeacher(files: readonly File[]): Promise<void> {
  const modelFile = files.find((file) => file.name.endsWith('.json'));
  if (!modelFile) {
    set({ teacherUpload: { status: 'refused', message: 'Pick the model.json together with its weight files (.bin).' } });
    return;
  }
  const weightFiles = files.filter((file) => file !== modelFile);
  pendingUploadName = modelFile.name;
  set({ teacherUpload: { status: 'checking', message: `Checking ${modelFile.name}…` } });
  // Not read here: a 100 MB model.json read and parsed on the page's thread froze it for seconds.
  const teacher: TeacherSource = { kind: 'files', modelFile, weightFiles };
  ensureClient().send({ type: 'checkTeacher', dataset: get().config.dataset, teacher });
}

// ---------------------------------------------------------------- runs

export function startRun(): void {
  const state: LabState = get();
  if (isRunActive()) return;
  if (configProblems(state).length > 0) return;
  const config = structuredClone(state.config);
  const teacher = usesTeacher(config) ? teacherSourceOf(config) : null;
  const runId = `run-${Date.now().toString(36)}`;
  // The new run starts from the configuration as it is now: nothing left to send to it.
  liveKnobs.cancel();
  lossSeries.clear();
  if (publishTimer) clearTimeout(publishTimer);
  publishTimer = null;
  set({ run: { ...initialRun(), id: runId, status: 'loading', phase: 'loading', startedAt: Date.now() } });
  const worker = ensureClient();
  if (state.datasets[config.dataset]?.status !== 'ready') requestDataset(config.dataset);
  worker.send({ type: 'start', runId, config, teacher });
}

/** Ask for a pause; the status says paused when the worker confirms that the loop has stopped. */
export function pauseRun(): void {
  if (get().run.status !== 'training' || get().run.pausing) return;
  setRun({ pausing: true });
  client?.send({ type: 'pause' });
}

export function resumeRun(): void {
  if (get().run.status !== 'paused') return;
  setRun({ status: 'training' });
  liveKnobs.flushNow();
  client?.send({ type: 'resume' });
}

/** Cooperative stop first; if the worker does not answer, terminate it (the hard abort). */
export function stopRun(): void {
  if (!isRunActive()) return;
  client?.send({ type: 'stop' });
  if (get().run.status === 'paused') setRun({ status: 'training' });
  // Every phase checks the stop flag at least once per batch or download: this is the last resort.
  setRun({ phaseDetail: 'stopping…' });
  if (hardStopTimer) clearTimeout(hardStopTimer);
  hardStopTimer = setTimeout(() => {
    hardStopTimer = null;
    if (!isRunActive()) return;
    dropClient();
    failRun({ message: 'The run did not stop in time, so its worker was terminated.', suggestion: 'Press Start to begin a new run.' });
  }, HARD_STOP_AFTER_MS);
}

// ---------------------------------------------------------------- test hooks

let nextMemoryRequest = 1;

export const debugHooks = {
  loseDevice: () => client?.send({ type: 'debugLoseDevice' }),
  /** The worker's tfjs tensor count and bytes, between runs. */
  workerMemory(): Promise<{ numTensors: number; numBytes: number; backend: string }> {
    const requestId = nextMemoryRequest++;
    return new Promise((resolve) => {
      const off = onWorkerMessage((message) => {
        if (message.type !== 'memory' || message.requestId !== requestId) return;
        off();
        resolve({ numTensors: message.numTensors, numBytes: message.numBytes, backend: message.backend });
      });
      sendToWorker({ type: 'debugMemory', requestId });
    });
  },
  crashWorker: () => client?.send({ type: 'debugCrash' }),
  /** Make the next save of a finished run fail as a full disk does: failNextSave = 'quota'. */
  get failNextSave(): 'quota' | null {
    return saveFaults.next;
  },
  set failNextSave(value: 'quota' | null) {
    saveFaults.next = value;
  },
};
