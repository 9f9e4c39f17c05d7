// Start-up of the Lab page: the configuration from the URL, the worker door and what follows its
// life (backend badge, a replacement after a crash or a lost device), the current dataset, the
// teachers; and the test hooks the browser tests drive.
import { decodeConfig } from './url';
import { configureWorker, labDoor, preferredBackend, rememberRace } from './door';
import { followDatasetProgress, refreshSavedDatasets, requestDataset } from './datasetActions';
import { isUploadedDataset } from '../data/uploaded';
import { restoreTrainedTeacher } from './teacherTraining';
import { failRun, clearRunError, followRuns, isRunActive } from './runLifecycle';
import { appBaseUrl, forgetUploadedTeacher, loadTeacherIndex } from './teacherActions';
import { forcedBackend, writeUrl } from './urlSync';
import { labStore } from './store';
import { saveFaults } from './runStore';
import { forgetWarmSetUps } from './estimate';

const get = () => labStore.getState();
const set = labStore.setState;

/** Leaving the page during a run loses what has not been checkpointed yet: the browser asks first. */
function warnBeforeUnload(event: BeforeUnloadEvent): void {
  if (!isRunActive()) return;
  event.preventDefault();
  event.returnValue = '';
}

/** What the page hears of the worker's life: its backend, its death, its replacement. */
function followWorker(): void {
  const door = labDoor();
  door.onOpen(() => set({ backendStarting: true }));
  door.onStart((outcome) => {
    set({ backendStarting: false });
    if (!outcome.ok) {
      failRun({ message: outcome.message });
      return;
    }
    const { backend, fallbackReason, why, threads, parameters, race } = outcome.value;
    if (race) rememberRace(race);
    const forced = preferredBackend();
    set({ parameters, backend: { name: backend, fallbackReason, why: forced === backend ? `chosen by you (${forced})` : why, threads: threads ?? 1 } });
  });
  door.onGone((gone) => {
    set({ backendStarting: false });
    // A new worker has none of the old one's state: datasets reload on demand (the user's from this
    // browser's storage), an uploaded teacher is gone.
    set((state) => ({ datasets: Object.fromEntries(Object.entries(state.datasets).filter(([id, d]) => d.status === 'ready' && !isUploadedDataset(id))) }));
    forgetUploadedTeacher();
    forgetWarmSetUps();
    // A running run hears it through its own request; an idle page is told here.
    if (!isRunActive()) failRun({ message: gone.message, suggestion: gone.suggestion });
  });
  door.on('engineFailed', ({ message }) => {
    set({ backend: null });
    door.drop(`${message}. The training worker was replaced by a fresh one, so nothing of the failure is left.`, 'Press Start to run again in the fresh worker.');
    // The fresh worker starts now (its backend shows in the header), not at the next click.
    requestDataset(get().config.dataset);
  });
  door.on('deviceLost', ({ message }) => {
    set({ backend: null });
    door.drop(message, 'Press Start to train again: the lab will set up the GPU afresh (or fall back to another backend).');
  });
}

/** Start the lab: configuration from the URL, the worker, the current dataset, the teachers. */
export function initLab(): void {
  const query = new URLSearchParams(window.location.search);
  configureWorker({ baseUrl: appBaseUrl(), preferredBackend: forcedBackend(query) });
  set({ config: decodeConfig(query) });
  labStore.subscribe((state, previous) => {
    if (state.config !== previous.config) {
      writeUrl(state.config);
      clearRunError();
    }
  });
  // One of the user's datasets read again (a reload): the teacher trained for it comes back with it.
  labStore.subscribe((state, previous) => {
    const id = state.config.dataset;
    if (isUploadedDataset(id) && state.datasets[id]?.status === 'ready' && previous.datasets[id]?.status !== 'ready') void restoreTrainedTeacher(id);
  });
  window.addEventListener('beforeunload', warnBeforeUnload);
  writeUrl(get().config);
  followWorker();
  followDatasetProgress();
  followRuns();
  requestDataset(get().config.dataset);
  void refreshSavedDatasets();
  void loadTeacherIndex();
}

export const debugHooks = {
  loseDevice: () => void labDoor().requestIfAlive('debugLoseDevice', {})?.catch(() => {}),
  /** The worker's tfjs tensor count and bytes, between runs. */
  workerMemory: () => labDoor().request('debugMemory', {}),
  crashWorker: () => void labDoor().requestIfAlive('debugCrash', {})?.catch(() => {}),
  /** Fail inside the worker as a wasm trap does: the worker is replaced. */
  engineFault: () => void labDoor().requestIfAlive('debugEngineFault', {})?.catch(() => {}),
  /** Make the next save of a finished run fail as a full disk does: failNextSave = 'quota'. */
  get failNextSave(): 'quota' | null {
    return saveFaults.next;
  },
  set failNextSave(value: 'quota' | null) {
    saveFaults.next = value;
  },
};
