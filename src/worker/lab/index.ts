// The lab object: everything the training worker owns (backend, datasets, teachers, the run, the
// views), built from injected `post` and `fetch` so that Node tests drive it as the worker does.
// One handler per request kind (worker/protocol.ts); the worker file only routes messages to it.
import * as tf from '@tensorflow/tfjs-core';
import { BUILTIN_DATASETS } from '../../data/registry';
import { uploadedDatasetId } from '../../data/uploaded';
import { readUploadedDataset } from './uploads';
import { parameterCounts } from '../../models/architectures';
import type { BackendChoice } from '../backend';
import type { BackendName, EventMessage, RememberedRaces, ReplyMessage, ReplyValue, RequestBody, RequestKind, RequestMessage, WorkerStart } from '../protocol';
import { errorMessage } from '../../core/errors';
import { Datasets, streamingFetch } from './datasets';
import { DeviceWatch, isEngineFault } from './device';
import { RunSession } from './session';
import { Teachers } from './teachers';
import { testHooks } from './testHooks';
import { Transferring, Views } from './views';

export { Transferring } from './views';

export interface LabDeps {
  /** Send an event to the page. */
  post(message: EventMessage, transfer?: Transferable[]): void;
  /** Fetch an absolute URL (the app's files are resolved against init's baseUrl). */
  fetch(url: string): Promise<Response>;
  /** Start the backend (a forced one when given) and say which it is. */
  selectBackend(preferred?: BackendName, remembered?: RememberedRaces): Promise<BackendChoice>;
  /** A backend to count parameters on before the real one is chosen. */
  useCpu(): Promise<void>;
  /** The WebGPU device's lost promise when the chosen backend has a device. */
  deviceLost(): Promise<GPUDeviceLostInfo> | null;
  /** Destroy the WebGPU device (the test hook). */
  destroyDevice(): void;
}

export type Handler<K extends RequestKind> = (body: RequestBody<K>) => Promise<ReplyValue<K> | Transferring<ReplyValue<K>>> | ReplyValue<K>;
export type Handlers = { [K in RequestKind]: Handler<K> };

export interface Lab {
  /** Answer one request: never throws, a failure is the `ok: false` reply. */
  answer(request: RequestMessage): Promise<{ reply: ReplyMessage; transfer: Transferable[] }>;
  /** A failure no request owns (an unhandled rejection): reported as the run's, unless it was the device going away. */
  reportFailure(message: string): Promise<void>;
}

export function createLab(deps: LabDeps): Lab {
  let baseUrl = '';
  let ready: Promise<unknown> | null = null;
  const whenReady = () => ready ?? Promise.reject(new Error('The worker was used before init'));
  const fetchUrl = (path: string) => deps.fetch(new URL(path, baseUrl).href);
  const fetchBytes = streamingFetch(fetchUrl);
  const fetchJson = async (path: string) => {
    const response = await fetchUrl(path);
    if (!response.ok) throw new Error(`Could not download ${path} (HTTP ${response.status})`);
    return response.json() as Promise<unknown>;
  };
  const device = new DeviceWatch();
  const datasets = new Datasets(fetchBytes, (payload) => deps.post({ event: 'datasetProgress', payload }));
  const teachers = new Teachers(fetchBytes, fetchJson);
  const session = new RunSession(datasets, teachers, device, fetchBytes, (runId, update) => deps.post({ event: 'run', payload: { runId, update } }));
  const views = new Views(datasets, teachers, session);
  const onLost = (message: string) => deps.post({ event: 'deviceLost', payload: { message } });
  /** Every request but init waits for the backend. */
  const after =
    <K extends RequestKind>(handler: Handler<K>): Handler<K> =>
    async (body) => {
      await whenReady();
      return handler(body);
    };

  const init: Handler<'init'> = (body) => {
    baseUrl = body.baseUrl;
    const starting = (async () => {
      // Parameter counts need a backend to build the models on; cpu is cheap and always there.
      await deps.useCpu();
      const parameters: Record<string, Record<string, number>> = {};
      for (const dataset of BUILTIN_DATASETS) {
        parameters[dataset.id] = parameterCounts(dataset.inputShape, dataset.numClasses);
      }
      const choice = await deps.selectBackend(body.preferredBackend, body.rememberedRaces);
      device.watch(deps.deviceLost(), onLost);
      const start: WorkerStart = { backend: choice.backend, fallbackReason: choice.fallbackReason, why: choice.why ?? null, threads: choice.threads ?? 1, parameters };
      if (choice.race) start.race = choice.race;
      return start;
    })();
    ready = starting;
    return starting.catch((error: unknown) => {
      throw new Error(`Could not start a tfjs backend: ${errorMessage(error)}`);
    });
  };

  const handlers: Handlers = {
    init,
    loadDataset: after(async ({ dataset }) => (await datasets.ensure(dataset)).summary),
    uploadDataset: after(async ({ name, files, imageSize }) => {
      const id = uploadedDatasetId(name);
      const progress = (fraction: number, message: string) => deps.post({ event: 'datasetProgress', payload: { dataset: id, fraction, message } });
      // Registered before the files are read: a run asked for right after waits for them.
      const reading = readUploadedDataset(name, files, progress, imageSize).then((dataset) => {
        progress(1, `Uploading ${dataset.info.name} to ${tf.getBackend()}`);
        return dataset;
      });
      const loaded = await datasets.register(id, reading);
      const { inputShape, numClasses } = loaded.info;
      return { summary: loaded.summary, parameters: parameterCounts(inputShape, numClasses) };
    }),
    checkTeacher: after(async ({ dataset, teacher }) => teachers.check(await datasets.info(dataset), teacher)),
    start: after(({ runId, config, teacher }) => session.start(runId, config, teacher)),
    pause: () => (session.pause(), null),
    resume: () => (session.resume(), null),
    stop: () => (session.stop(), null),
    finish: () => (session.finish(), null),
    setKnobs: ({ knobs }) => (session.setKnobs(knobs), null),
    teacherView: after((body) => views.teacherView(body)),
    studentView: after((body) => views.studentView(body)),
    misclassified: after((body) => views.misclassified(body)),
    matchedView: after((body) => views.matchedView(body)),
    checkLayers: after((body) => views.checkLayers(body)),
    evaluateTeacher: after((body) => views.evaluateTeacher(body)),
    exportStudent: after(async ({ runId }) => {
      const files = await session.exportStudent(runId);
      return new Transferring(files, [files.weights]);
    }),
    ...testHooks(device, () => deps.destroyDevice(), onLost),
  };

  /** After a wasm trap this worker is not to be trusted: the page is told to replace it (once). */
  let engineFailed = false;
  const checkEngine = (failure: unknown) => {
    if (engineFailed || !isEngineFault(failure)) return;
    engineFailed = true;
    // After the reply that carried the failure, so the page hears the run's own end first.
    setTimeout(() => deps.post({ event: 'engineFailed', payload: { message: `The ${tf.getBackend()} engine failed inside (${errorMessage(failure)})` } }));
  };

  return {
    async answer({ id, kind, body }) {
      try {
        const handler = handlers[kind] as Handler<RequestKind> | undefined;
        if (!handler) throw new Error(`Unknown request "${String(kind)}"`);
        const value = await handler(body as never);
        // A run that failed inside the engine ends with its error as a result, not a rejection.
        if (kind === 'start') {
          const end = value as ReplyValue<'start'>;
          if (end.outcome === 'result' && end.result.status === 'error') checkEngine(end.result.error?.message);
        }
        if (value instanceof Transferring) return { reply: { id, ok: true, value: value.value }, transfer: value.buffers };
        return { reply: { id, ok: true, value }, transfer: [] };
      } catch (error) {
        checkEngine(error);
        return { reply: { id, ok: false, message: errorMessage(error) }, transfer: [] };
      }
    },
    async reportFailure(message) {
      const runId = session.runningId;
      checkEngine(message);
      if (!(await device.causedLoss(message))) deps.post({ event: 'failure', payload: { runId, message } });
    },
  };
}
