// The page's door to the worker over a scripted transport: replies matched by id, failures as
// rejections, a dead worker's requests rejected and its replacement announced, "latest wins".
import { describe, expect, it } from 'vitest';
import { Door, SUPERSEDED, WorkerGone, type Transport } from '../../src/worker/door';
import type { FromWorker, RequestMessage } from '../../src/worker/protocol';

interface Scripted {
  sent: RequestMessage[];
  receive(message: FromWorker): void;
  fail(reason: string): void;
  terminated: boolean;
}

function scriptedDoor(): { door: Door; workers: Scripted[] } {
  const workers: Scripted[] = [];
  const door = new Door(
    () => {
      const worker: Scripted = { sent: [], receive: () => {}, fail: () => {}, terminated: false };
      workers.push(worker);
      return {
        postMessage: (message) => worker.sent.push(message),
        terminate: () => void (worker.terminated = true),
        onMessage: (listener) => (worker.receive = listener),
        onFailure: (listener) => (worker.fail = listener),
      } satisfies Transport;
    },
    () => ({ baseUrl: 'http://lab.test/' }),
  );
  return { door, workers };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the worker door', () => {
  it('starts a worker with init first, resolves each reply by id and rejects a failure with its message', async () => {
    const { door, workers } = scriptedDoor();
    const starts: unknown[] = [];
    door.onStart((outcome) => starts.push(outcome));
    const summary = door.request('loadDataset', { dataset: 'digits' });
    const memory = door.request('debugMemory', {});
    const [worker] = workers;
    expect(worker.sent.map((m) => m.kind)).toEqual(['init', 'loadDataset', 'debugMemory']);
    const [init, load, mem] = worker.sent;
    worker.receive({ id: mem.id, ok: true, value: { numTensors: 3, numBytes: 12, backend: 'cpu' } });
    worker.receive({ id: load.id, ok: false, message: 'Could not download digits.csv (HTTP 404)' });
    worker.receive({ id: init.id, ok: true, value: { backend: 'cpu', fallbackReason: null, why: null, parameters: {} } });
    await expect(memory).resolves.toEqual({ numTensors: 3, numBytes: 12, backend: 'cpu' });
    await expect(summary).rejects.toThrow('Could not download digits.csv (HTTP 404)');
    await settle();
    expect(starts).toEqual([{ ok: true, value: { backend: 'cpu', fallbackReason: null, why: null, parameters: {} } }]);
  });

  it('announces each worker it opens before its init is answered: the first, and the one replacing a dropped one', () => {
    const { door, workers } = scriptedDoor();
    let opened = 0;
    door.onOpen(() => opened++);
    expect(opened).toBe(0);
    void door.request('debugMemory', {}).catch(() => {});
    expect(opened).toBe(1);
    expect(workers[0].sent.map((m) => m.kind)).toEqual(['init', 'debugMemory']);
    void door.request('debugMemory', {}).catch(() => {});
    expect(opened).toBe(1);
    door.drop('gone');
    void door.request('debugMemory', {}).catch(() => {});
    expect(opened).toBe(2);
  });

  it('delivers events to their listeners only', () => {
    const { door, workers } = scriptedDoor();
    const runs: unknown[] = [];
    const progress: unknown[] = [];
    door.on('run', (payload) => runs.push(payload));
    const off = door.on('datasetProgress', (payload) => progress.push(payload));
    void door.request('debugMemory', {});
    workers[0].receive({ event: 'run', payload: { runId: 'r1', update: { type: 'paused' } } });
    workers[0].receive({ event: 'datasetProgress', payload: { dataset: 'mnist', fraction: 0.5, message: 'half' } });
    off();
    workers[0].receive({ event: 'datasetProgress', payload: { dataset: 'mnist', fraction: 1, message: 'all' } });
    expect(runs).toEqual([{ runId: 'r1', update: { type: 'paused' } }]);
    expect(progress).toEqual([{ dataset: 'mnist', fraction: 0.5, message: 'half' }]);
  });

  it('a crash rejects every pending request with WorkerGone, and the next request starts a fresh worker that is announced', async () => {
    const { door, workers } = scriptedDoor();
    const gone: string[] = [];
    let restarts = 0;
    door.onGone((error) => gone.push(error.message));
    door.onRestart(() => restarts++);
    const run = door.request('start', { runId: 'r1', config: {} as never, teacher: null });
    const pause = door.requestIfAlive('pause', {});
    expect(pause).not.toBeNull();
    workers[0].fail('The training worker crashed: out of memory');
    await expect(run).rejects.toBeInstanceOf(WorkerGone);
    await expect(pause).rejects.toBeInstanceOf(WorkerGone);
    await expect(run).rejects.toThrow('The training worker crashed: out of memory');
    expect(gone).toEqual(['The training worker crashed: out of memory']);
    expect(workers[0].terminated).toBe(true);
    expect(door.alive).toBe(false);
    // Nothing is sent to no worker; a real request starts one.
    expect(door.requestIfAlive('stop', {})).toBeNull();
    expect(restarts).toBe(0);
    void door.request('debugMemory', {});
    expect(workers).toHaveLength(2);
    expect(restarts).toBe(1);
    expect(workers[1].sent.map((m) => m.kind)).toEqual(['init', 'debugMemory']);
    // A late message of the dead worker is ignored.
    workers[0].receive({ id: 1, ok: true, value: null });
  });

  it('on a channel only the latest answer counts: an older one resolves to SUPERSEDED, even when it failed', async () => {
    const { door, workers } = scriptedDoor();
    const body = { dataset: 'digits', student: 'tiny-cnn', teacher: null, peer: null, terms: [] };
    const first = door.latest('layers', 'checkLayers', body);
    const second = door.latest('layers', 'checkLayers', body);
    const other = door.latest('view', 'studentView', { dataset: 'digits', indices: [1] });
    const [, a, b, c] = workers[0].sent;
    workers[0].receive({ id: b.id, ok: true, value: { studentTaps: [], teacherTaps: [], terms: [] } });
    workers[0].receive({ id: a.id, ok: false, message: 'too late to matter' });
    workers[0].receive({ id: c.id, ok: true, value: { student: null, logits: null, message: 'none yet' } });
    await expect(first).resolves.toBe(SUPERSEDED);
    await expect(second).resolves.toEqual({ studentTaps: [], teacherTaps: [], terms: [] });
    await expect(other).resolves.toEqual({ student: null, logits: null, message: 'none yet' });
  });
});
