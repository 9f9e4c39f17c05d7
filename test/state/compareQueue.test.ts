// The comparison queue against a scripted worker: order and seed of the runs, a failed run that
// does not stop the queue, cancelling, a storage failure that reaches the user, a worker crash.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FromWorker, ToWorker } from '../../src/worker/protocol';
import type { RunResult } from '../../src/train/runExperiment';
import type { ExperimentConfig } from '../../src/train/config';

type Listener = (message: FromWorker) => void;
const worker = vi.hoisted(() => ({
  listeners: new Set<(message: unknown) => void>(),
  crashListeners: new Set<(reason: string) => void>(),
  sent: [] as unknown[],
  respond: null as null | ((message: unknown) => void),
}));

vi.mock('../../src/state/actions', () => ({
  onWorkerMessage: (listener: Listener) => {
    worker.listeners.add(listener as (message: unknown) => void);
    return () => worker.listeners.delete(listener as (message: unknown) => void);
  },
  onWorkerCrash: (listener: (reason: string) => void) => {
    worker.crashListeners.add(listener);
    return () => worker.crashListeners.delete(listener);
  },
  sendToWorker: (message: unknown) => {
    worker.sent.push(message);
    worker.respond?.(message);
  },
  uploadTeacher: async () => {},
}));

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
    listRuns: async () => [...storage.saved.values()],
    deleteRun: async (id: string) => void storage.saved.delete(id),
  };
});

const { cancelComparison, planRun, resultRows, startComparison, clearPlan } = await import('../../src/state/compareActions');
const { compareStore } = await import('../../src/state/compare');
const { labStore } = await import('../../src/state/store');
const { DEFAULT_CONFIG, withMethod } = await import('../../src/train/config');

function emit(message: FromWorker): void {
  setTimeout(() => {
    for (const listener of [...worker.listeners]) listener(message);
  }, 1);
}

function resultFor(config: ExperimentConfig, status: RunResult['status'] = 'done'): RunResult {
  const accuracy = { none: 0.6, kd: 0.7, dist: 0.75 }[config.method] ?? 0.5;
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

/** A worker that trains instantly; dkd fails; `hang` runs wait for a stop. */
function scriptedWorker(options: { hang?: string } = {}): void {
  let pendingStop: (() => void) | null = null;
  worker.respond = (raw) => {
    const message = raw as ToWorker;
    switch (message.type) {
      case 'evaluateTeacher':
        emit({
          type: 'teacherEvaluated',
          requestId: message.requestId,
          evaluation: { valAccuracy: 0.99, valMpa: 0.99, testAccuracy: 0.98, testMpa: 0.98, testAccuracyTta: null, testMpaTta: null, perClassAccuracy: [], confusion: [] },
          parameters: 1000,
          seconds: 0.1,
          message: '',
        });
        return;
      case 'start': {
        const { runId, config } = message;
        emit({ type: 'steps', runId, points: [1, 2, 3].map((step) => ({ step, epoch: 0, ce: 1 / step, kd: 0.5, total: 1, terms: {} })) });
        emit({ type: 'eval', runId, point: { step: 3, epoch: 0, trainAccuracy: 0.5, valAccuracy: 0.5, testAccuracy: 0.5 } });
        emit({ type: 'progress', runId, step: 3, totalSteps: 4, epoch: 0 });
        if (config.method === 'dkd') emit({ type: 'error', runId, message: 'dkd exploded at step 3' });
        else if (config.method === options.hang) pendingStop = () => emit({ type: 'done', runId, result: resultFor(config, 'stopped') });
        else emit({ type: 'done', runId, result: resultFor(config) });
        return;
      }
      case 'stop':
        pendingStop?.();
        pendingStop = null;
        return;
      case 'exportStudent':
        emit({ type: 'studentExported', requestId: message.requestId, runId: message.runId, files: { modelJson: '{}', weights: new ArrayBuffer(8) }, message: '' });
        return;
      default:
    }
  };
}

const base: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 4 }, seed: 11 };
const starts = () => (worker.sent as ToWorker[]).filter((m): m is Extract<ToWorker, { type: 'start' }> => m.type === 'start');

beforeEach(() => {
  worker.sent = [];
  worker.respond = null;
  storage.saved.clear();
  storage.failNext = false;
  clearPlan();
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
    expect((worker.sent as ToWorker[]).filter((m) => m.type === 'stop')).toHaveLength(1);
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
    for (const listener of worker.crashListeners) listener('The training worker crashed: out of memory');
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
    expect(worker.sent).toHaveLength(0);
  });
});
