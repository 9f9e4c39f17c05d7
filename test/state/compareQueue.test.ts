// The comparison queue against a scripted worker: order and seed of the runs, repeating them over
// seeds, a failed run that does not stop the queue, cancelling, a storage failure that reaches the
// user, a worker crash. The worker is a scripted Transport behind a real Door, installed as the page's door.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventMessage, FromWorker, ReplyMessage, RequestMessage, RunUpdate } from '../../src/worker/protocol';
import { Door, type Transport } from '../../src/worker/door';
import type { RunResult } from '../../src/train/runTypes';
import type { ExperimentConfig } from '../../src/train/config';

const storage = vi.hoisted(() => ({ saved: new Map<string, unknown>(), failNext: false }));
vi.mock('../../src/state/runStore', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/state/runStore')>();
  return {
    ...original,
    saveRun: async (run: { id: string }) => {
      if (storage.failNext) {
        storage.failNext = false;
        throw new DOMException('quota', 'QuotaExceededError');
      }
      storage.saved.set(run.id, structuredClone(run));
    },
    saveCheckpoint: async (run: { id: string }) => void storage.saved.set(run.id, structuredClone(run)),
    listRuns: async () => [...storage.saved.values()],
    deleteRun: async (id: string) => void storage.saved.delete(id),
  };
});

const { installDoor } = await import('../../src/state/door');
const { clearPlan, planRun, planRuns, planProblem, plannedRunSummary, setSeedCount } = await import('../../src/state/comparePlan');
const { cancelComparison, startComparison } = await import('../../src/state/compareQueue');
const { resultRows, resultTable } = await import('../../src/state/compareTable');
const { toggleSavedInComparison } = await import('../../src/state/savedRuns');
const { initCompare, CHECKPOINT_EVERY_MS } = await import('../../src/state/labCheckpoint');
const { compareStore } = await import('../../src/state/compare');
const { labStore, initialRun } = await import('../../src/state/store');
type SavedStudentRun = import('../../src/state/runStore').SavedStudentRun;
type LossRow = import('../../src/state/lossSeries').LossRow;
const { DEFAULT_CONFIG, withMethod } = await import('../../src/train/config');

/** The scripted worker: what the page sent, how to answer, and the door's failure listener (a crash). */
const worker = {
  sent: [] as RequestMessage[],
  respond: null as null | ((message: RequestMessage) => void),
  receive: (_message: FromWorker) => {},
  fail: (_reason: string) => {},
};

const fakeTransport = (): Transport => ({
  postMessage: (message) => {
    worker.sent.push(message);
    if (message.kind === 'init') {
      emit({ id: message.id, ok: true, value: { backend: 'cpu', fallbackReason: null, why: null, parameters: {} } });
      return;
    }
    worker.respond?.(message);
  },
  terminate: () => {},
  onMessage: (listener) => (worker.receive = listener),
  onFailure: (listener) => (worker.fail = listener),
});
installDoor(new Door(fakeTransport, () => ({ baseUrl: 'http://lab.test/' })));

function emit(message: FromWorker): void {
  setTimeout(() => worker.receive(message), 1);
}

const reply = (request: RequestMessage, value: unknown): void => emit({ id: request.id, ok: true, value } as ReplyMessage);
const runEvent = (runId: string, update: RunUpdate): void => emit({ event: 'run', payload: { runId, update } } as EventMessage);

function resultFor(config: ExperimentConfig, status: RunResult['status'] = 'done'): RunResult {
  // One point more per seed above 11, so several seeds have a spread.
  const accuracy = ({ none: 0.6, kd: 0.7, dist: 0.75 }[config.method] ?? 0.5) + (config.seed - 11) * 0.01;
  return {
    config,
    status,
    testAccuracy: accuracy,
    testMpa: accuracy,
    testAccuracyTta: null,
    testMpaTta: null,
    valAccuracy: accuracy,
    valMpa: accuracy,
    perClassAccuracy: [],
    confusion: [],
    history: [],
    samplesPerSecond: 1,
    seconds: 1,
    trainSeconds: 1,
    steps: 4,
    backend: 'cpu',
    teacherCached: true,
    studentParameters: 100,
    terms: [],
    labelledCount: 10,
  };
}

/** A worker that trains instantly; dkd fails; `hang` runs wait for a stop; `stopWhileLoading` runs are stopped before their first step. */
function scriptedWorker(options: { hang?: string; stopWhileLoading?: string } = {}): void {
  let pendingStop: (() => void) | null = null;
  worker.respond = (message) => {
    switch (message.kind) {
      case 'evaluateTeacher':
        reply(message, {
          evaluation: { valAccuracy: 0.99, valMpa: 0.99, testAccuracy: 0.98, testMpa: 0.98, testAccuracyTta: null, testMpaTta: null, perClassAccuracy: [], confusion: [] },
          parameters: 1000,
          seconds: 0.1,
        });
        return;
      case 'start': {
        const { runId, config } = (message as RequestMessage<'start'>).body;
        if (config.method === options.stopWhileLoading) {
          pendingStop = () => reply(message, { outcome: 'stopped', phase: 'loading' });
          return;
        }
        runEvent(runId, { type: 'steps', points: [1, 2, 3].map((step) => ({ step, epoch: 0, ce: 1 / step, kd: 0.5, total: 1, terms: {} })) });
        runEvent(runId, { type: 'eval', point: { step: 3, epoch: 0, trainAccuracy: 0.5, valAccuracy: 0.5, testAccuracy: 0.5 } });
        runEvent(runId, { type: 'progress', step: 3, totalSteps: 4, epoch: 0 });
        if (config.method === 'dkd') emit({ id: message.id, ok: false, message: 'dkd exploded at step 3' });
        else if (config.method === options.hang) pendingStop = () => reply(message, { outcome: 'result', result: resultFor(config, 'stopped') });
        else reply(message, { outcome: 'result', result: resultFor(config) });
        return;
      }
      case 'stop':
        reply(message, null);
        pendingStop?.();
        pendingStop = null;
        return;
      case 'exportStudent':
        reply(message, { modelJson: '{}', weights: new ArrayBuffer(8) });
        return;
      default:
    }
  };
}

const base: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 4 }, seed: 11 };
const starts = () => worker.sent.filter((m): m is RequestMessage<'start'> => m.kind === 'start').map((m) => m.body);
/** What the page asked of the worker, init (sent once by every fresh worker) aside. */
const asked = () => worker.sent.filter((m) => m.kind !== 'init');

beforeEach(() => {
  worker.sent = [];
  worker.respond = null;
  storage.saved.clear();
  storage.failNext = false;
  clearPlan();
  setSeedCount(1);
  compareStore.setState({ entries: [], storageError: null, queue: { status: 'idle', current: -1, total: 0, problem: null } });
  labStore.setState({ config: base });
});

describe('the comparison queue', () => {
  it('runs teacher, scratch baseline and each run in order with one seed; a failed run shows its error and the queue goes on', async () => {
    scriptedWorker();
    planRun(base, 'kd');
    planRun(withMethod(base, 'dkd'), 'dkd');
    planRun(withMethod(base, 'dist'), 'dist');
    await startComparison();
    const { entries, queue } = compareStore.getState();
    expect(queue.status).toBe('idle');
    expect(entries.map((e) => [e.label, e.status])).toEqual([
      ['teacher (digits-teacher-cnn)', 'done'],
      ['student from scratch', 'done'],
      ['kd', 'done'],
      ['dkd', 'error'],
      ['dist', 'done'],
    ]);
    expect(entries[3].error).toBe('dkd exploded at step 3');
    expect(starts().map((m) => m.config.method)).toEqual(['none', 'kd', 'dkd', 'dist']);
    expect(new Set(starts().map((m) => m.config.seed))).toEqual(new Set([11]));
    // The baseline keeps the student and knobs, without a teacher.
    expect(starts()[0].teacher).toBeNull();
    expect(starts()[0].config.student).toBe(base.student);
    expect(starts()[1].teacher).toEqual({ kind: 'shipped', id: 'digits-teacher-cnn' });
    // Curves and the exported student arrive with each finished run.
    expect(entries[2].curves.loss.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(entries[2].curves.evals).toHaveLength(1);
    expect(entries[2].student?.weights.byteLength).toBe(8);
    // Finished runs are saved, the failed one is not.
    expect([...storage.saved.keys()]).toEqual([entries[0].id, entries[1].id, entries[2].id, entries[4].id]);
    const rows = resultRows(entries);
    expect(rows.map((r) => r.deltaTestAccuracy)).toEqual([expect.closeTo(0.38, 9), 0, expect.closeTo(0.1, 9), null, expect.closeTo(0.15, 9)]);
  });

  it('cancelling stops the running run and never starts the rest', async () => {
    scriptedWorker({ hang: 'kd' });
    planRun(base, 'kd');
    planRun(withMethod(base, 'dist'), 'dist');
    const done = startComparison();
    await vi.waitFor(() => expect(compareStore.getState().entries[2]?.status).toBe('running'));
    cancelComparison();
    expect(compareStore.getState().queue.status).toBe('cancelling');
    await done;
    const { entries, queue } = compareStore.getState();
    expect(queue.status).toBe('idle');
    expect(entries.map((e) => e.status)).toEqual(['done', 'done', 'stopped', 'cancelled']);
    expect(asked().filter((m) => m.kind === 'stop')).toHaveLength(1);
    expect(starts().map((m) => m.config.method)).toEqual(['none', 'kd']);
  });

  it('a storage failure is shown to the user and the queue goes on saving the others', async () => {
    scriptedWorker();
    planRun(base, 'kd');
    storage.failNext = true;
    await startComparison();
    const { entries, storageError } = compareStore.getState();
    expect(storageError).toMatch(/QuotaExceededError/);
    expect(storageError).toMatch(/teacher/);
    expect(entries.map((e) => e.status)).toEqual(['done', 'done', 'done']);
    expect([...storage.saved.keys()]).toEqual([entries[1].id, entries[2].id]);
  });

  it('a worker crash fails the running entry and the queue goes on', async () => {
    scriptedWorker({ hang: 'kd' });
    planRun(base, 'kd');
    planRun(withMethod(base, 'dist'), 'dist');
    const done = startComparison();
    await vi.waitFor(() => expect(compareStore.getState().entries[2]?.status).toBe('running'));
    worker.fail('The training worker crashed: out of memory');
    await done;
    const { entries } = compareStore.getState();
    expect(entries.map((e) => e.status)).toEqual(['done', 'done', 'error', 'done']);
    expect(entries[2].error).toMatch(/crashed/);
  });

  it('refuses to start with nothing queued or runs that do not share the dataset', async () => {
    await startComparison();
    expect(compareStore.getState().queue.problem).toMatch(/at least one run/);
    planRun(base, 'kd');
    planRun({ ...base, dataset: 'mnist', teacher: 'mnist-teacher-cnn' }, 'mnist kd');
    await startComparison();
    expect(compareStore.getState().queue.problem).toMatch(/"mnist kd" uses another dataset/);
    expect(asked()).toHaveLength(0);
  });

  it('a run stopped before its first step is shown as stopped, with no result and nothing saved', async () => {
    scriptedWorker({ stopWhileLoading: 'kd' });
    planRun(base, 'kd');
    const done = startComparison();
    await vi.waitFor(() => expect(compareStore.getState().entries[2]?.status).toBe('running'));
    cancelComparison();
    await done;
    const entry = compareStore.getState().entries[2];
    expect(entry.status).toBe('stopped');
    expect(entry.result).toBeNull();
    expect(entry.error).toMatch(/before its first step/);
    expect(storage.saved.has(entry.id)).toBe(false);
  });
});

describe('repeating each run over seeds', () => {
  it('runs the baseline and each run over seeds base, base + 1, … one group after another; the table has one row per configuration', async () => {
    scriptedWorker();
    planRuns(
      [
        { label: 'kd', config: base },
        { label: 'dist', config: withMethod(base, 'dist') },
      ],
      { seeds: 3 },
    );
    expect(compareStore.getState().seeds).toBe(3);
    await startComparison();
    const { entries, queue } = compareStore.getState();
    expect(queue.total).toBe(1 + 3 * 3);
    expect(starts().map((m) => `${m.config.method}:${m.config.seed}`)).toEqual(['none:11', 'none:12', 'none:13', 'kd:11', 'kd:12', 'kd:13', 'dist:11', 'dist:12', 'dist:13']);
    // The teacher is evaluated once; each group's entries share their label and group, and each is saved.
    expect(entries.filter((e) => e.kind === 'teacher')).toHaveLength(1);
    const groups = [...new Set(entries.map((e) => e.group))];
    expect(groups).toHaveLength(4);
    expect(entries.filter((e) => e.group === groups[2]).map((e) => [e.label, e.config.seed, e.status])).toEqual([
      ['kd', 11, 'done'],
      ['kd', 12, 'done'],
      ['kd', 13, 'done'],
    ]);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(storage.saved.size).toBe(entries.length);

    const { configurations, runsByGroup } = resultTable(entries);
    expect(configurations.map((row) => [row.label, row.rowType, row.seeds])).toEqual([
      ['teacher (digits-teacher-cnn)', 'run', []],
      ['student from scratch', 'mean', [11, 12, 13]],
      ['kd', 'mean', [11, 12, 13]],
      ['dist', 'mean', [11, 12, 13]],
    ]);
    // kd: 0.70, 0.71, 0.72 against scratch 0.60, 0.61, 0.62: Δ of the means 10 points, std 1 point each.
    expect(configurations[2].testAccuracy).toBeCloseTo(0.71, 12);
    expect(configurations[2].seedSpread?.testAccuracy).toBeCloseTo(0.01, 12);
    expect(configurations[2].deltaTestAccuracy).toBeCloseTo(0.1, 12);
    expect(configurations[2].deltaNote).toBe('beyond-seed-spread');
    expect(runsByGroup.get(groups[2])?.map((row) => row.seed)).toEqual([11, 12, 13]);
  });

  it('the saved seeds of a configuration, shown again, are one mean row', async () => {
    scriptedWorker();
    planRuns([{ label: 'kd', config: base }], { seeds: 2 });
    await startComparison();
    const kdIds = compareStore.getState().entries.filter((e) => e.kind === 'student' && e.config.method === 'kd').map((e) => e.id);
    compareStore.setState({ entries: [] });
    for (const id of kdIds) toggleSavedInComparison(id);
    const { configurations } = resultTable(compareStore.getState().entries);
    expect(configurations.map((row) => [row.label, row.rowType, row.seeds])).toEqual([['kd', 'mean', [11, 12]]]);
    expect(configurations[0].testAccuracy).toBeCloseTo(0.705, 12);
  });

  it('one seed keeps one run per configuration and its ids; a seed count out of range is refused before anything starts', async () => {
    scriptedWorker();
    planRun(base, 'kd');
    expect(planProblem(compareStore.getState().planned, 0)).toMatch(/1 to 10 seeds/);
    expect(planProblem(compareStore.getState().planned, 11)).toMatch(/1 to 10 seeds/);
    expect(planProblem(compareStore.getState().planned, 2.5)).toMatch(/whole number/);
    setSeedCount(0);
    await startComparison();
    expect(compareStore.getState().queue.problem).toMatch(/1 to 10 seeds/);
    expect(asked()).toHaveLength(0);
    setSeedCount(1);
    await startComparison();
    const { entries } = compareStore.getState();
    expect(entries.map((e) => e.id.replace(/^cmp-[a-z0-9]+/, ''))).toEqual(['-teacher', '-scratch', '-1']);
    expect(entries.every((e) => e.group === e.id)).toBe(true);
    expect(resultTable(entries).runsByGroup.size).toBe(0);
  });
});

describe('a preset that tells a story names its baseline as the story does', () => {
  it('the soft-vs-hard race calls its scratch arm "Hard labels only"; clearing the plan gives the plain name back', async () => {
    const { choosePreset } = await import('../../src/state/presetActions');
    const { comparisonEntries } = await import('../../src/state/compareQueue');
    expect(choosePreset('soft-vs-hard', 'short').queued).toBe(2);
    const { planned, seeds, baselineLabel } = compareStore.getState();
    expect(baselineLabel).toBe('Hard labels only (kd_ratio 0)');
    const entries = comparisonEntries(planned, 'race', seeds, baselineLabel);
    expect([...new Set(entries.map((entry) => entry.label))]).toEqual(['teacher (digits-teacher-cnn)', 'Hard labels only (kd_ratio 0)', 'Half and half (kd_ratio 0.5)', 'Soft labels only (kd_ratio 1)']);
    expect(entries.filter((entry) => entry.label.startsWith('Hard')).every((entry) => entry.config.method === 'none')).toBe(true);
    clearPlan();
    expect(compareStore.getState().baselineLabel).toBe('student from scratch');
  });
});

describe('a queued run is frozen when it is added', () => {
  it('trains the configuration it had when queued, not the Lab setting changed afterwards, and the page lists that configuration', async () => {
    scriptedWorker();
    planRun({ ...base, epochs: 10 }, 'kd');
    labStore.setState({ config: { ...base, epochs: 3 } });
    const planned = compareStore.getState().planned[0];
    expect(planned.config.epochs).toBe(10);
    expect(plannedRunSummary(planned.config)).toMatch(/^10 epochs · adam lr 0\.003 · batch 64 · seed 11/);
    await startComparison();
    // Every student run (baseline included) and the teacher's row use the frozen configuration.
    expect(starts().map((m) => m.config.epochs)).toEqual([10, 10]);
    expect(compareStore.getState().entries.map((e) => e.config.epochs)).toEqual([10, 10, 10]);
  });

  it('the summary names what differs between two queued runs', () => {
    const sgd = plannedRunSummary({ ...base, optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, lrSchedule: 'cosine', trainLimit: 500 });
    expect(sgd).toBe('10 epochs · sgd lr 0.05 · momentum 0.9 · weight decay 0.0005 · cosine schedule · batch 64 · seed 11 · 500 training samples');
    expect(plannedRunSummary({ ...base, epochs: 1 })).toMatch(/^1 epoch · /);
  });
});

describe('Lab runs survive a reload as checkpoints', () => {
  const runId = 'run-lab-checkpoint';
  const row = (step: number) => ({ step, ce: 1 / step, kd: 0.5, total: 1 }) as LossRow;
  let clock = 1_000_000;

  /** The running Lab run reached `step` (as the lab's run handler writes it to the store). */
  function progressTo(step: number): void {
    labStore.setState((state) => ({ run: { ...state.run, progress: { step, totalSteps: 480, epoch: 0 }, lossRows: [row(step)] } }));
  }

  function progress(step: number): void {
    labStore.setState((state) => ({
      run: { ...state.run, progress: { step, totalSteps: 480, epoch: 0 }, lossRows: Array.from({ length: step }, (_, i) => row(i + 1)) },
    }));
  }

  it('checkpoints config, curves and step every few seconds; the final record of a stopped run replaces it', async () => {
    scriptedWorker();
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    initCompare();
    labStore.setState({ config: { ...base, epochs: 10 } });
    labStore.setState({ run: { ...initialRun(), id: runId, status: 'training', startedAt: clock } });
    // The Lab's knobs change while the run trains: the checkpoint keeps what it was started with.
    labStore.setState({ config: { ...base, epochs: 3 } });
    // The first progress writes a checkpoint at once, the next ones when the last is CHECKPOINT_EVERY_MS old.
    progress(10);
    await vi.waitFor(() => expect((storage.saved.get(runId) as SavedStudentRun | undefined)?.interrupted?.step).toBe(10));
    clock += CHECKPOINT_EVERY_MS - 1;
    progress(20);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((storage.saved.get(runId) as SavedStudentRun).interrupted?.step).toBe(10);
    clock += 1;
    progress(25);
    await vi.waitFor(() => expect((storage.saved.get(runId) as SavedStudentRun).interrupted?.step).toBe(25));
    const checkpoint = storage.saved.get(runId) as SavedStudentRun;
    expect(checkpoint.result).toBeNull();
    expect(checkpoint.interrupted).toEqual({ step: 25, totalSteps: 480 });
    expect(checkpoint.config.epochs).toBe(10);
    expect(checkpoint.curves.loss.map((p) => p.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));

    const result = { ...resultFor({ ...base, epochs: 10 }, 'stopped'), steps: 30, totalSteps: 480 };
    labStore.setState((state) => ({ run: { ...state.run, status: 'stopped', result } }));
    await vi.waitFor(() => expect((storage.saved.get(runId) as SavedStudentRun).result?.status).toBe('stopped'));
    const saved = storage.saved.get(runId) as SavedStudentRun;
    expect(saved.interrupted).toBeUndefined();
    expect(saved.result?.steps).toBe(30);
    // A progress message arriving late does not turn the final record back into a checkpoint.
    clock += 2 * CHECKPOINT_EVERY_MS;
    progress(26);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((storage.saved.get(runId) as SavedStudentRun).result).not.toBeNull();
    vi.restoreAllMocks();
  });

  it('when the finished run cannot be saved (a full disk), its checkpoint does not stay behind calling it interrupted', async () => {
    scriptedWorker();
    initCompare();
    const unsaved = `${runId}-unsaved`;
    labStore.setState({ run: { ...initialRun(), id: unsaved, status: 'training', startedAt: clock } });
    progressTo(1);
    await vi.waitFor(() => expect(storage.saved.has(unsaved)).toBe(true));
    const result = { ...resultFor(base), steps: 8, totalSteps: 8 };
    labStore.setState((state) => ({ run: { ...state.run, status: 'done', result } }));
    storage.failNext = true;
    await vi.waitFor(() => expect(compareStore.getState().storageError).toMatch(/QuotaExceededError/));
    await vi.waitFor(() => expect(storage.saved.has(unsaved)).toBe(false));
  });

  it('a Lab run stopped before its first step is not kept', async () => {
    scriptedWorker();
    initCompare();
    const untrained = `${runId}-untrained`;
    labStore.setState({ run: { ...initialRun(), id: untrained, status: 'loading', startedAt: clock } });
    const result = { ...resultFor(base, 'stopped'), steps: 0, totalSteps: 480 };
    labStore.setState((state) => ({ run: { ...state.run, status: 'stopped', result } }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(storage.saved.has(untrained)).toBe(false);
    expect(asked().some((m) => m.kind === 'exportStudent')).toBe(false);
  });

  it('a run that fails leaves no checkpoint behind', async () => {
    scriptedWorker();
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    initCompare();
    const failing = `${runId}-failing`;
    labStore.setState({ run: { ...initialRun(), id: failing, status: 'training', startedAt: clock } });
    progressTo(1);
    await vi.waitFor(() => expect(storage.saved.has(failing)).toBe(true));
    labStore.setState((state) => ({ run: { ...state.run, status: 'error', error: { message: 'Loss is NaN at step 3' } } }));
    await vi.waitFor(() => expect(storage.saved.has(failing)).toBe(false));
    vi.restoreAllMocks();
  });
});
