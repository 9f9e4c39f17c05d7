// The comparison queue: runs the planned configurations one after another in the training worker
// (the teacher's row first, then the scratch baseline, then each run), keeps their curves and
// results, saves every finished run (savedRuns.ts) and exports each trained student.
import { usesTeacher, withMethod, type ExperimentConfig } from '../train/config';
import type { EvalPoint, StepPoint } from '../train/runTypes';
import type { RunEnd } from '../worker/protocol';
import { labDoor } from './door';
import { clearRunError } from './runLifecycle';
import { BASELINE_LABEL, compareStore, type CompareEntry, type PlannedRun } from './compare';
import { emptyEntry, patchEntry } from './compareEntry';
import { planProblem, seedsFrom } from './comparePlan';
import { persist } from './savedRuns';
import { exportStudent } from './studentFiles';
import { comparisonKey, rememberComparison } from './estimate';
import { CUSTOM_TEACHER, teacherSourceOf } from './teacherChoice';
import { decimate, SAVED_CURVE_POINTS, type CurvePoint } from './runStore';
import { isActive, labStore } from './store';
import { errorMessage } from '../core/errors';

const get = () => compareStore.getState();
const set = compareStore.setState;
/** Curves of the running entry are republished at most this often. */
const PUBLISH_EVERY_MS = 1000;

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
  // What the worker reports is gathered and drawn at most every PUBLISH_EVERY_MS: each store change
  // re-renders the race and the comparison's charts, and drawn per report (a curve point every few
  // steps, two phase changes around it) they held a core and ran the race at a third of its speed.
  const steps: CurvePoint[] = [];
  const evals: EvalPoint[] = [];
  let latest: Partial<Pick<CompareEntry, 'progress' | 'detail'>> = {};
  let publishTimer: ReturnType<typeof setTimeout> | null = null;
  const publish = () => {
    if (publishTimer) clearTimeout(publishTimer);
    publishTimer = null;
    const newEvals = evals.splice(0);
    const news = latest;
    latest = {};
    patchEntry(runId, (current) => ({
      ...news,
      curves: { ...current.curves, loss: decimate(steps, SAVED_CURVE_POINTS), evals: newEvals.length > 0 ? [...current.curves.evals, ...newEvals] : current.curves.evals },
    }));
  };
  const schedule = () => {
    publishTimer ??= setTimeout(publish, PUBLISH_EVERY_MS);
  };
  const offRun = labDoor().on('run', ({ runId: id, update }) => {
    if (id !== runId) return;
    if (update.type === 'steps') steps.push(...update.points.map(curvePoint));
    else if (update.type === 'eval') evals.push(update.point);
    else if (update.type === 'progress') latest = { ...latest, progress: update.totalSteps > 0 ? update.step / update.totalSteps : 0 };
    else if (update.type === 'phase') latest = { ...latest, detail: update.detail ? `${update.phase} ${update.detail}` : update.phase };
    else return;
    schedule();
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
