// The Lab's run: started, paused, resumed and stopped through the worker door; its steps and
// evaluations drawn as they arrive (the loss chart at most every PUBLISH_EVERY_MS); live knob
// changes sent to the running loop; the end (a result, a stop before the first step, a failure).
import { usesTeacher } from '../train/config';
import type { LiveKnobs } from '../train/control';
import type { RunEnd, RunUpdate } from '../worker/protocol';
import { WorkerGone } from '../worker/door';
import { labDoor } from './door';
import { requestDataset } from './datasetActions';
import { LossSeries } from './lossSeries';
import { configProblems } from './problems';
import { teacherSourceOf } from './teacherChoice';
import { initialRun, isActive, labStore, type LabState, type RunError, type RunSlice } from './store';
import { LiveKnobThrottle, type KnobSource } from './liveKnobThrottle';
import { rememberRunSpeed } from './estimate';
import { errorMessage } from '../core/errors';

const CHART_POINTS = 600;
const PUBLISH_EVERY_MS = 500;
const HARD_STOP_AFTER_MS = 60_000;

let publishTimer: ReturnType<typeof setTimeout> | null = null;
let hardStopTimer: ReturnType<typeof setTimeout> | null = null;
const lossSeries = new LossSeries();

const get = () => labStore.getState();
const set = labStore.setState;

function setRun(patch: Partial<RunSlice['run']>): void {
  set((state) => ({ run: { ...state.run, ...patch } }));
}

export function isRunActive(): boolean {
  return isActive(get().run.status);
}

function isCurrentRun(runId: string | null): boolean {
  return runId !== null && runId === get().run.id;
}

function clearHardStop(): void {
  if (hardStopTimer) clearTimeout(hardStopTimer);
  hardStopTimer = null;
}

/** The run failed: its curves so far stay drawn. */
export function failRun(error: RunError): void {
  clearHardStop();
  publishLoss();
  setRun({ status: 'error', error, phase: null });
}

/**
 * The failed run's error gives way to the next thing that works: a change of the set-up (a knob, a
 * preset) or a comparison. Its curves stay on the page.
 */
export function clearRunError(): void {
  if (get().run.status === 'error') setRun({ status: 'idle', error: null, phase: null, phaseDetail: '' });
}

// ---------------------------------------------------------------- what the worker says of the run

function applyUpdate(update: RunUpdate): void {
  switch (update.type) {
    case 'phase':
      if (get().run.status === 'paused') setRun({ phase: update.phase, phaseDetail: update.detail ?? '' });
      else {
        const loading = update.phase === 'loading' || update.phase === 'caching-teacher';
        setRun({ phase: update.phase, phaseDetail: update.detail ?? '', status: loading ? 'loading' : 'training' });
      }
      return;
    case 'steps':
      lossSeries.push(update.points);
      schedulePublish();
      return;
    case 'eval':
      set((state) => ({ run: { ...state.run, evals: [...state.run.evals, update.point] } }));
      return;
    case 'progress':
      setRun({ progress: { step: update.step, totalSteps: update.totalSteps, epoch: update.epoch } });
      return;
    case 'paused':
      // Every step before the pause has arrived: draw them now, then the chart stands still.
      publishLoss();
      setRun({ status: 'paused', pausing: false });
      return;
    case 'resumed':
      setRun({ status: 'training' });
      return;
    case 'knobs':
      set((state) => ({ run: { ...state.run, knobChanges: [...state.run.knobChanges, { ...update.change, receivedAt: performance.now() }] } }));
      return;
  }
}

function finish(runId: string, end: RunEnd): void {
  // Every run that trained (the Lab's or a comparison's) times the next estimate of its set-up.
  if (end.outcome === 'result' && end.result.status !== 'error') rememberRunSpeed(end.result);
  if (!isCurrentRun(runId)) return;
  clearHardStop();
  publishLoss();
  if (end.outcome === 'stopped') setRun({ status: 'stopped', phase: null, phaseDetail: '' });
  else if (end.result.status === 'error') setRun({ result: end.result, status: 'error', phase: null, error: end.result.error ?? { message: 'The run failed' } });
  else setRun({ result: end.result, status: end.result.status, phase: null, phaseDetail: '' });
}

function fail(runId: string, error: unknown): void {
  if (!isCurrentRun(runId) || !isRunActive()) return;
  failRun({ message: errorMessage(error), suggestion: error instanceof WorkerGone ? error.suggestion : undefined });
}

/** Follow the worker's run events and unowned failures (once, at start-up). */
export function followRuns(): void {
  const door = labDoor();
  door.on('run', ({ runId, update }) => {
    if (isCurrentRun(runId)) applyUpdate(update);
  });
  door.on('failure', ({ runId, message }) => {
    if (runId === null || isCurrentRun(runId)) failRun({ message });
  });
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

// ---------------------------------------------------------------- live knobs

/** Send knob changes to the running loop: only values that pass validation when they leave. */
function sendValidKnobs(knobs: Partial<LiveKnobs>): void {
  if (!isRunActive()) return;
  const problems = configProblems(get());
  const bad = (field: string) => problems.some((p) => p.field === field);
  const params = Object.fromEntries(Object.entries(knobs.params ?? {}).filter(([name]) => !bad(`param.${name}`)));
  const live: Partial<LiveKnobs> = {};
  if (knobs.kdRatio !== undefined && !bad('kdRatio')) live.kdRatio = knobs.kdRatio;
  if (Object.keys(params).length > 0) live.params = params;
  if (live.kdRatio !== undefined || live.params) void labDoor().requestIfAlive('setKnobs', { knobs: live })?.catch(() => {});
}

const liveKnobs = new LiveKnobThrottle(sendValidKnobs);

/** A knob moved while a run trains: it reaches the loop (throttled while a slider is dragged). */
export function sendLiveKnobs(knobs: Partial<LiveKnobs>, source: KnobSource): void {
  if (!isRunActive()) return;
  liveKnobs.push(knobs, source);
  // The run's set-up follows its live knobs: its results are then not those of a "previous" set-up.
  const ran = get().run.config;
  if (ran) setRun({ config: { ...ran, kdRatio: knobs.kdRatio ?? ran.kdRatio, params: { ...ran.params, ...(knobs.params ?? {}) } } });
}

// ---------------------------------------------------------------- start, pause, resume, stop

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
  set({ run: { ...initialRun(), id: runId, status: 'loading', phase: 'loading', startedAt: Date.now(), config } });
  if (state.datasets[config.dataset]?.status !== 'ready') requestDataset(config.dataset);
  labDoor()
    .request('start', { runId, config, teacher })
    .then(
      (end) => finish(runId, end),
      (error: unknown) => fail(runId, error),
    );
}

/** Problems that settle by themselves: a check or a catalog still on its way. */
const SETTLING = /^(Checking the layer pairs|The teacher catalog is still loading)/;

/**
 * Start the run once the set-up has settled (a classroom step sets a preset and starts at once,
 * before its layer pairs are checked): at once when nothing holds Start back, else as soon as the
 * pending checks pass. Nothing starts if a real problem remains, the set-up changes meanwhile, or
 * `timeoutMs` passes.
 */
export function startRunWhenReady(timeoutMs = 30_000): void {
  const config = get().config;
  const problems = configProblems(get());
  if (problems.length === 0) return startRun();
  if (!problems.every((problem) => SETTLING.test(problem.message))) return;
  const stop = () => {
    unsubscribe();
    clearTimeout(timer);
  };
  const unsubscribe = labStore.subscribe((state) => {
    if (state.config !== config) return stop();
    const now = configProblems(state);
    if (now.length === 0) {
      stop();
      startRun();
    } else if (!now.every((problem) => SETTLING.test(problem.message))) stop();
  });
  const timer = setTimeout(stop, timeoutMs);
}

/** Ask for a pause; the status says paused when the worker confirms that the loop has stopped. */
export function pauseRun(): void {
  if (get().run.status !== 'training' || get().run.pausing) return;
  setRun({ pausing: true });
  void labDoor().requestIfAlive('pause', {})?.catch(() => {});
}

export function resumeRun(): void {
  if (get().run.status !== 'paused') return;
  setRun({ status: 'training' });
  liveKnobs.flushNow();
  void labDoor().requestIfAlive('resume', {})?.catch(() => {});
}

/** Cooperative stop first; if the worker does not answer, terminate it (the hard abort). */
export function stopRun(): void {
  if (!isRunActive()) return;
  // A run that trains until stopped ends with Finish (scored on the whole splits, done); pressed again, Stop stops it outright.
  if (get().config.untilStopped && !get().run.finishing) {
    setRun({ finishing: true, status: get().run.status === 'paused' ? 'training' : get().run.status, phaseDetail: 'finishing: scoring on the whole splits…' });
    void labDoor().requestIfAlive('finish', {})?.catch(() => {});
    return;
  }
  void labDoor().requestIfAlive('stop', {})?.catch(() => {});
  if (get().run.status === 'paused') setRun({ status: 'training' });
  // Every phase checks the stop flag at least once per batch or download: this is the last resort.
  setRun({ phaseDetail: 'stopping…' });
  clearHardStop();
  hardStopTimer = setTimeout(() => {
    hardStopTimer = null;
    if (!isRunActive()) return;
    labDoor().drop('The run did not stop in time, so its worker was terminated.', 'Press Start to begin a new run.');
  }, HARD_STOP_AFTER_MS);
}
