// The comparison queue: runs the planned configurations one after another in the training worker
// (the teacher's row first, then the scratch baseline, then each run), keeps their curves and
// results, saves every finished run in IndexedDB and exports each trained student.
import { datasetNameOf } from './datasetInfo';
import { usesTeacher, validateConfig, withMethod, type ExperimentConfig } from '../train/config';
import { comparisonTable, configurationKey, runLabel, studentRow, teacherRow, withDeltas, type ComparisonTable, type ResultRow, type SortKey } from './results';
import type { StepPoint } from '../train/runTypes';
import type { RunEnd } from '../worker/protocol';
import { labDoor } from './door';
import { clearRunError } from './runLifecycle';
import { uploadTeacher } from './teacherActions';
import { BASELINE_LABEL, compareStore, MAX_SEEDS, type CompareEntry, type CompareState, type PlannedRun } from './compare';
import { trainCount } from './problems';
import type { RaceStory } from './presets';
import { comparisonKey, rememberComparison } from './estimate';
import { CUSTOM_TEACHER, teacherSourceOf } from './teacherChoice';
import {
  decimate,
  deleteRun,
  describeStorageError,
  listRuns,
  SAVED_CURVE_POINTS,
  saveCheckpoint,
  saveRun,
  type CurvePoint,
  type SavedRun,
  type SavedStudentRun,
  type StudentFiles,
} from './runStore';
import { isActive, labStore, type LabState } from './store';
import { errorMessage } from '../core/errors';

const get = () => compareStore.getState();
const set = compareStore.setState;
/** Curves of the running entry are republished at most this often. */
const PUBLISH_EVERY_MS = 500;

let nextKey = 1;
let initialised = false;

function patchEntry(id: string, patch: Partial<CompareEntry> | ((entry: CompareEntry) => Partial<CompareEntry>)): void {
  set((state) => ({
    entries: state.entries.map((entry) => (entry.id === id ? { ...entry, ...(typeof patch === 'function' ? patch(entry) : patch) } : entry)),
  }));
}


// ---------------------------------------------------------------- planning

/**
 * What a queued run will train, in one line: the knobs a comparison does not share. A queued run
 * keeps the configuration it had when it was added (later Lab changes do not reach it).
 */
export function plannedRunSummary(config: ExperimentConfig): string {
  const parts = [
    `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`,
    `${config.optimizer} lr ${config.lr}`,
    ...(config.optimizer === 'sgd' ? [`momentum ${config.momentum}`] : []),
    ...(config.weightDecay ? [`weight decay ${config.weightDecay}`] : []),
    ...(config.lrSchedule === 'cosine' ? ['cosine schedule'] : []),
    `batch ${config.batchSize}`,
    ...(config.augment ? ['augmented'] : []),
    `seed ${config.seed}`,
    config.trainLimit ? `${config.trainLimit} training samples` : 'all training samples',
  ];
  return parts.join(' · ');
}

/** Add one run to the queue builder: its configuration is frozen here. */
export function planRun(config: ExperimentConfig, label?: string): void {
  const key = `planned-${nextKey++}`;
  set((state) => ({ planned: [...state.planned, { key, label: label?.trim() || runLabel(config), config: structuredClone(config) }], queue: { ...state.queue, problem: null }, race: null }));
}

/**
 * Add several runs to the queue builder. `seeds` (when given) sets how many seeds every queued run
 * and the scratch baseline repeat over, as the page's "Repeat each run over N seeds" does: a preset
 * asks for 3 with `planRuns(runs, { seeds: 3 })`.
 */
export function planRuns(runs: readonly { label: string; config: ExperimentConfig }[], options: { seeds?: number; baselineLabel?: string; race?: RaceStory } = {}): void {
  if (options.seeds !== undefined) setSeedCount(options.seeds);
  if (options.baselineLabel !== undefined) set({ baselineLabel: options.baselineLabel });
  for (const run of runs) planRun(run.config, run.label);
  // After the runs: adding a run by hand ends a race's story (planRun), the preset's own runs do not.
  if (options.race) set({ race: options.race });
}

/** How many seeds each run repeats over (the control's value; planProblem refuses one out of range). */
export function setSeedCount(seeds: number): void {
  set((state) => ({ seeds, queue: { ...state.queue, problem: null } }));
}

/** The seeds a run of base seed `seed` repeats over: seed, seed + 1, … (`count` of them). */
export function seedsFrom(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => seed + i);
}

export function unplanRun(key: string): void {
  set((state) => ({ planned: state.planned.filter((run) => run.key !== key) }));
}

export function clearPlan(): void {
  set({ planned: [], baselineLabel: BASELINE_LABEL, race: null });
}

/** Why the planned runs cannot start over `seeds` seeds, or null. */
export function planProblem(planned: readonly PlannedRun[], seeds = get().seeds): string | null {
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS) return `Repeat each run over 1 to ${MAX_SEEDS} seeds (a whole number; got ${seeds}).`;
  if (planned.length === 0) return 'Add at least one run to the queue.';
  const first = planned[0].config;
  const lab = labStore.getState();
  for (const run of planned) {
    const { config } = run;
    for (const [field, name] of [
      ['dataset', 'dataset'],
      ['student', 'student'],
      ['seed', 'seed'],
      ['valLimit', 'validation samples'],
      ['testLimit', 'test samples'],
    ] as const) {
      if (config[field] !== first[field]) {
        return `"${run.label}" uses another ${name} (${String(config[field] ?? 'all')}) than "${planned[0].label}" (${String(first[field] ?? 'all')}): a comparison shares them.`;
      }
    }
    const problem = validateConfig(config, trainCount({ config, datasets: lab.datasets }))[0];
    if (problem) return `"${run.label}": ${problem.message}`;
  }
  return null;
}

// ---------------------------------------------------------------- the queue

function emptyEntry(id: string, label: string, kind: CompareEntry['kind'], config: ExperimentConfig, group = id): CompareEntry {
  return {
    id,
    group,
    label,
    kind,
    config,
    status: 'queued',
    detail: '',
    progress: 0,
    result: null,
    teacher: null,
    error: null,
    curves: { loss: [], evals: [] },
    student: null,
    studentMessage: '',
    origin: 'queue',
    savedId: null,
  };
}

/**
 * The comparison's rows: the teacher, the student from scratch (same student, seed and knobs,
 * method none, TTA as the runs use it) and every planned run, the baseline and each run repeated
 * over `seeds` seeds (seed, seed + 1, …) one after another, so every Δ compares like with like.
 */
export function comparisonEntries(planned: readonly PlannedRun[], stamp: string, seeds = 1, baselineLabel = BASELINE_LABEL): CompareEntry[] {
  const first = planned[0].config;
  const ttaShift = Math.max(0, ...planned.map((run) => run.config.ttaShift ?? 0));
  let teacherName = first.teacher || 'no teacher';
  if (first.teacher === CUSTOM_TEACHER) teacherName = labStore.getState().uploadedTeacher?.name ?? 'your teacher';
  const teacherConfig: ExperimentConfig = { ...structuredClone(first), ttaShift };
  const baseline: ExperimentConfig = withMethod(structuredClone(first), 'none');
  baseline.ttaShift = ttaShift;
  delete baseline.emaDecay;
  delete baseline.rdropAlpha;
  delete baseline.labelledFraction;
  // One seed keeps the ids a comparison always had; several add the seed to each run's id.
  const repeated = (group: string, label: string, config: ExperimentConfig) =>
    seedsFrom(config.seed, seeds).map((seed) =>
      emptyEntry(seeds === 1 ? group : `${group}-seed${seed}`, label, 'student', { ...structuredClone(config), seed }, group),
    );
  return [
    emptyEntry(`${stamp}-teacher`, `teacher (${teacherName})`, 'teacher', teacherConfig),
    ...repeated(`${stamp}-scratch`, baselineLabel, baseline),
    ...planned.flatMap((run, i) => repeated(`${stamp}-${i + 1}`, run.label, run.config)),
  ];
}

export async function startComparison(): Promise<void> {
  if (get().queue.status !== 'idle') return;
  const { planned } = get();
  let problem = planProblem(planned);
  if (!problem && isActive(labStore.getState().run.status)) problem = 'A run is training on the Lab page: stop it or wait for it to end.';
  if (problem) {
    set((state) => ({ queue: { ...state.queue, problem } }));
    return;
  }
  clearRunError();
  const stamp = `cmp-${Date.now().toString(36)}`;
  const entries = comparisonEntries(planned, stamp, get().seeds, get().baselineLabel);
  set({ entries, hidden: [], queue: { status: 'running', current: 0, total: entries.length, problem: null, startedAt: Date.now() } });
  for (let index = 0; index < entries.length; index++) {
    if (get().queue.status === 'cancelling') break;
    set((state) => ({ queue: { ...state.queue, current: index } }));
    const entry = entries[index];
    if (entry.kind === 'teacher') await runTeacherEntry(entry);
    else await runStudentEntry(entry);
  }
  // What never started is marked cancelled.
  set((state) => ({
    entries: state.entries.map((entry) => (entry.status === 'queued' ? { ...entry, status: 'cancelled', detail: '' } : entry)),
    queue: { status: 'idle', current: -1, total: state.queue.total, problem: null, startedAt: state.queue.startedAt, endedAt: Date.now() },
  }));
  // A comparison that ran every run is the next estimate of the same comparison.
  const { queue } = get();
  const backend = labStore.getState().backend?.name;
  if (backend && queue.startedAt && queue.endedAt && get().entries.every((entry) => entry.status === 'done')) {
    rememberComparison(globalThis.localStorage, comparisonKey(backend, entries), (queue.endedAt - queue.startedAt) / 1000);
  }
}

/** Cancel the queue: the running run is stopped (it keeps its results so far), the rest never start. */
export function cancelComparison(): void {
  if (get().queue.status !== 'running') return;
  set((state) => ({ queue: { ...state.queue, status: 'cancelling' } }));
  const running = get().entries.find((entry) => entry.status === 'running');
  if (running?.kind === 'student') void labDoor().requestIfAlive('stop', {})?.catch(() => {});
}

async function runTeacherEntry(entry: CompareEntry): Promise<void> {
  const source = teacherSourceOf(entry.config);
  if (!source) {
    patchEntry(entry.id, { status: 'error', error: 'No teacher is picked on the Lab page.' });
    return;
  }
  patchEntry(entry.id, { status: 'running', detail: 'evaluating the teacher' });
  const { config } = entry;
  try {
    const teacher = await labDoor().request('evaluateTeacher', { dataset: config.dataset, teacher: source, ttaShift: config.ttaShift ?? 0, valLimit: config.valLimit, testLimit: config.testLimit });
    patchEntry(entry.id, { status: 'done', detail: '', progress: 1, teacher });
    const id = entry.id;
    await persist({ id, label: entry.label, savedAt: Date.now(), source: 'compare', config: entry.config, kind: 'teacher', ...teacher }, entry.id);
  } catch (error) {
    patchEntry(entry.id, { status: 'error', detail: '', error: errorMessage(error) });
  }
}

const curvePoint = (point: StepPoint): CurvePoint => ({ step: point.step, ce: point.ce, kd: point.kd, total: point.total });

async function runStudentEntry(entry: CompareEntry): Promise<void> {
  const runId = entry.id;
  const { config } = entry;
  if (usesTeacher(config) && !teacherSourceOf(config)) {
    patchEntry(runId, { status: 'error', error: `Method "${config.method}" needs a teacher: pick one on the Lab page.` });
    return;
  }
  patchEntry(runId, { status: 'running', detail: 'loading' });
  const steps: CurvePoint[] = [];
  let publishTimer: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    if (publishTimer) clearTimeout(publishTimer);
    publishTimer = null;
    patchEntry(runId, (current) => ({ curves: { ...current.curves, loss: decimate(steps, SAVED_CURVE_POINTS) } }));
  };
  const offRun = labDoor().on('run', ({ runId: id, update }) => {
    if (id !== runId) return;
    if (update.type === 'steps') {
      steps.push(...update.points.map(curvePoint));
      if (!publishTimer) publishTimer = setTimeout(publish, PUBLISH_EVERY_MS);
    } else if (update.type === 'eval') {
      patchEntry(runId, (current) => ({ curves: { ...current.curves, evals: [...current.curves.evals, update.point] } }));
    } else if (update.type === 'progress') {
      patchEntry(runId, { progress: update.totalSteps > 0 ? update.step / update.totalSteps : 0 });
    } else if (update.type === 'phase') {
      patchEntry(runId, { detail: update.detail ? `${update.phase} ${update.detail}` : update.phase });
    }
  });
  let end: RunEnd | null = null;
  let failure: string | null = null;
  try {
    end = await labDoor().request('start', { runId, config, teacher: usesTeacher(config) ? teacherSourceOf(config) : null });
  } catch (error) {
    failure = errorMessage(error);
  } finally {
    offRun();
  }
  publish();
  if (end?.outcome === 'stopped') {
    patchEntry(runId, { status: 'stopped', detail: '', error: 'Stopped before its first step: nothing was trained.' });
    return;
  }
  const result = end?.result ?? null;
  if (!result || result.status === 'error') {
    patchEntry(runId, { status: 'error', detail: '', error: failure ?? result?.error?.message ?? 'The run failed' });
    return;
  }
  patchEntry(runId, { status: result.status, detail: '', progress: 1, result });
  const files = await exportStudent(runId);
  patchEntry(runId, { student: files.files, studentMessage: files.message });
  const saved = get().entries.find((e) => e.id === runId);
  if (!saved) return;
  await persist(
    { id: runId, label: entry.label, savedAt: Date.now(), source: 'compare', config, kind: 'student', result, curves: saved.curves, student: files.files },
    runId,
  );
}

/** The worker's last trained student (run `runId`) as model.json + weights.bin. */
export async function exportStudent(runId: string): Promise<{ files: StudentFiles | null; message: string }> {
  try {
    return { files: await labDoor().request('exportStudent', { runId }), message: '' };
  } catch (error) {
    return { files: null, message: errorMessage(error) };
  }
}

// ---------------------------------------------------------------- saved runs

/** Save a run; a failure is shown to the user (never swallowed) and the queue goes on. Resolves with whether it was saved. */
async function persist(run: SavedRun, entryId: string | null): Promise<boolean> {
  try {
    await saveRun(run);
    if (entryId) patchEntry(entryId, { savedId: run.id });
    set((state) => ({ saved: { ...state.saved, runs: [...state.saved.runs.filter((r) => r.id !== run.id), run] } }));
    return true;
  } catch (error) {
    set({ storageError: describeStorageError(error, `Saving "${run.label}"`) });
    return false;
  }
}

export async function refreshSavedRuns(): Promise<void> {
  try {
    const runs = await listRuns();
    set({ saved: { status: 'ready', runs, message: '' } });
  } catch (error) {
    const message = describeStorageError(error, 'Reading the saved runs');
    set({ saved: { status: 'failed', runs: [], message }, storageError: message });
  }
}

export async function deleteSavedRun(id: string): Promise<void> {
  try {
    await deleteRun(id);
    set((state) => ({
      saved: { ...state.saved, runs: state.saved.runs.filter((run) => run.id !== id) },
      entries: state.entries.filter((entry) => !(entry.origin === 'saved' && entry.savedId === id)),
    }));
  } catch (error) {
    set({ storageError: describeStorageError(error, 'Deleting the saved run') });
  }
}

export function dismissStorageError(): void {
  set({ storageError: null });
}

/** A short stable name for a text (djb2), for ids shown in the exports. */
function shortHash(text: string): string {
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}

function entryFromSaved(run: SavedRun): CompareEntry {
  // Saved runs of one configuration and label (the seeds of a comparison) are shown as one group.
  const group = run.kind === 'teacher' ? `saved-${run.id}` : `saved-${shortHash(`${run.label}\n${configurationKey(run.config)}`)}`;
  const entry = emptyEntry(`saved-${run.id}`, run.label, run.kind, run.config, group);
  entry.origin = 'saved';
  entry.savedId = run.id;
  entry.progress = 1;
  if (run.kind === 'teacher') {
    entry.status = 'done';
    entry.teacher = { evaluation: run.evaluation, parameters: run.parameters, seconds: run.seconds };
  } else {
    entry.status = run.result?.status ?? 'stopped';
    entry.result = run.result;
    if (!run.result) entry.error = interruptedText(run);
    entry.curves = run.curves;
    entry.student = run.student;
    if (!run.student) entry.studentMessage = 'This run was saved without its student.';
  }
  return entry;
}

/** Show a saved run in the comparison (table and curves), or take it out again. */
export function toggleSavedInComparison(id: string): void {
  const state = get();
  if (state.entries.some((entry) => entry.origin === 'saved' && entry.savedId === id)) {
    set({ entries: state.entries.filter((entry) => !(entry.origin === 'saved' && entry.savedId === id)) });
    return;
  }
  const run = state.saved.runs.find((r) => r.id === id);
  if (run) set({ entries: [...state.entries, entryFromSaved(run)] });
}

/** Save a run the Lab page finished, with its curves and its student. */
async function saveLabRun(runId: string): Promise<void> {
  const { run } = labStore.getState();
  if (run.id !== runId || !run.result || run.result.status === 'error') return;
  const { result } = run;
  // Stopped before its first step (while the teacher was cached): nothing was trained, nothing to keep.
  if (result.steps === 0) {
    dropCheckpoint(runId);
    return;
  }
  const loss = decimate(
    run.lossRows.map((row) => ({ step: row.step, ce: row.ce, kd: row.kd, total: row.total })),
    SAVED_CURVE_POINTS,
  );
  const files = await exportStudent(runId);
  const saved = await persist(
    {
      id: runId,
      label: `${runLabel(result.config)} (Lab)`,
      savedAt: Date.now(),
      source: 'lab',
      config: result.config,
      kind: 'student',
      result,
      curves: { loss, evals: run.evals },
      student: files.files,
    },
    null,
  );
  // The run ended, so its checkpoint would call it interrupted: it goes too (the user was told why nothing was kept).
  if (!saved) dropCheckpoint(runId);
}

// ---------------------------------------------------------------- view

export function toggleHidden(id: string): void {
  set((state) => ({ hidden: state.hidden.includes(id) ? state.hidden.filter((h) => h !== id) : [...state.hidden, id] }));
}

/** Click on a header: sort by it (descending first for numbers), again to flip, a third time to unsort. */
export function sortBy(key: SortKey, numeric: boolean): void {
  set((state) => {
    const first = numeric ? 'descending' : 'ascending';
    if (state.sort?.key !== key) return { sort: { key, direction: first } };
    if (state.sort.direction === first) return { sort: { key, direction: first === 'ascending' ? 'descending' : 'ascending' } };
    return { sort: null };
  });
}

/** Each entry's table row, in the group it belongs to. */
function entryRows(entries: readonly CompareEntry[]): ResultRow[] {
  return entries.map((entry) =>
      entry.kind === 'teacher'
        ? teacherRow({
            id: entry.id,
            label: entry.label,
            config: entry.config,
            status: entry.status,
            evaluation: entry.teacher?.evaluation ?? null,
            parameters: entry.teacher?.parameters ?? null,
            seconds: entry.teacher?.seconds ?? null,
            error: entry.error,
          })
        : studentRow({ id: entry.id, label: entry.label, config: entry.config, status: entry.status, result: entry.result, error: entry.error, group: entry.group }),
  );
}

/** Every run's table row, Δ against the scratch baseline of its seed. */
export function resultRows(entries: readonly CompareEntry[]): ResultRow[] {
  return withDeltas(entryRows(entries));
}

/** The table: one row per configuration (mean ± std over its seeds, Δ of the means) and each seed's run. */
export function resultTable(entries: readonly CompareEntry[]): ComparisonTable {
  return comparisonTable(entryRows(entries));
}

/** Load an exported student as the Lab's teacher (the same path as picking the files by hand). */
export async function loadStudentAsTeacher(files: StudentFiles, name: string): Promise<void> {
  const modelName = `${name.replace(/[^A-Za-z0-9.=]+/g, '-').replace(/^-+|-+$/g, '') || 'student'}.json`;
  await uploadTeacher([new File([files.modelJson], modelName, { type: 'application/json' }), new File([files.weights], 'weights.bin')]);
}

/** A dataset's display name, or its id when the page does not know it. */
export function datasetName(id: string): string {
  return datasetNameOf(labStore.getState().datasets, id);
}

/** A Lab run is checkpointed at most this often while it trains. */
export const CHECKPOINT_EVERY_MS = 5000;
let lastCheckpoint: { runId: string; at: number } | null = null;
/** Runs whose end has been heard: a late checkpoint must not overwrite their final record. */
const endedRuns = new Set<string>();

/** What a checkpoint says about its run: where it got to, and that it did not end on its own. */
export function interruptedText(run: Pick<SavedStudentRun, 'interrupted'>): string {
  const reached = run.interrupted ? `${run.interrupted.step.toLocaleString('en')} of ${run.interrupted.totalSteps.toLocaleString('en')}` : '?';
  return `interrupted at step ${reached}: the page was closed, reloaded or crashed while it trained (its student was not kept)`;
}

/** The running Lab run as a checkpoint record: config, curves so far and the step reached. */
export function labCheckpoint(run: LabState['run'], config: ExperimentConfig, now: number): SavedStudentRun | null {
  if (!run.id || !run.progress) return null;
  return {
    id: run.id,
    label: `${runLabel(config)} (Lab)`,
    savedAt: now,
    source: 'lab',
    config,
    kind: 'student',
    result: null,
    curves: { loss: decimate(run.lossRows.map((row) => ({ step: row.step, ce: row.ce, kd: row.kd, total: row.total })), SAVED_CURVE_POINTS), evals: run.evals },
    student: null,
    interrupted: { step: run.progress.step, totalSteps: run.progress.totalSteps },
  };
}

/** Write the running Lab run's checkpoint at its first progress, then whenever the last one is CHECKPOINT_EVERY_MS old. */
function checkpointLabRun(runId: string): void {
  const now = Date.now();
  if (endedRuns.has(runId)) return;
  if (lastCheckpoint?.runId === runId && now - lastCheckpoint.at < CHECKPOINT_EVERY_MS) return;
  const { run } = labStore.getState();
  const config = labRunConfigs.get(runId);
  const record = run.id === runId && config ? labCheckpoint(run, config, now) : null;
  if (!record) return;
  lastCheckpoint = { runId, at: now };
  saveCheckpoint(record).catch((error: unknown) => set({ storageError: describeStorageError(error, 'Checkpointing the running run') }));
}

/** A run that ended without a result to keep (stopped before its first step, failed): its checkpoint goes. */
function dropCheckpoint(runId: string): void {
  endedRuns.add(runId);
  deleteRun(runId).catch(() => {});
}

/** The configuration each Lab run was started with (the Lab's knobs may change while it trains). */
const labRunConfigs = new Map<string, ExperimentConfig>();

/** Start listening (Lab runs are checkpointed while they train, saved when they end) and read the saved runs. Called once at start-up. */
export function initCompare(): void {
  if (initialised) return;
  initialised = true;
  labStore.subscribe((state, previous) => {
    const { run } = state;
    if (run.id && run.id !== previous.run.id) labRunConfigs.set(run.id, structuredClone(state.config));
    if (!run.id || (run.progress === previous.run.progress && run.status === previous.run.status)) return;
    // The store says what the worker said of the Lab's run: progress is checkpointed, the end saved or dropped.
    if (isActive(run.status)) {
      if (run.progress && run.progress !== previous.run.progress) checkpointLabRun(run.id);
    } else if (run.status !== previous.run.status || run.id !== previous.run.id) {
      if (run.status === 'error' || (run.status === 'stopped' && !run.result)) dropCheckpoint(run.id);
      else if (run.status === 'done' || run.status === 'stopped') {
        endedRuns.add(run.id);
        void saveLabRun(run.id);
      }
    }
  });
  void refreshSavedRuns();
}

export type { CompareState };
