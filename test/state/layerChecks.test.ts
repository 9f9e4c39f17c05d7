// The layer pickers' check as the page runs it, against a scripted worker behind a real Door: a
// mutual method that reads layers (UDML) has no teacher, so the request names its peer
// (config.peerStudent ?? config.student), a new peer is a new request, and once the worker
// answers with the peer's taps nothing holds Start back.
import { describe, expect, it, vi } from 'vitest';
import type { FromWorker, RequestBody, RequestMessage } from '../../src/worker/protocol';
import { Door, type Transport } from '../../src/worker/door';
import { installDoor } from '../../src/state/door';
import { startLayerChecks } from '../../src/state/layerChecks';
import { configProblems } from '../../src/state/problems';
import { labStore } from '../../src/state/store';
import { DEFAULT_CONFIG, withMethod } from '../../src/train/config';
import type { Tap } from '../../src/models/taps';

const asked: RequestMessage[] = [];
let receive = (_message: FromWorker) => {};
const transport = (): Transport => ({
  postMessage: (message) => {
    if (message.kind === 'init') answer({ id: message.id, ok: true, value: { backend: 'cpu', fallbackReason: null, why: null, parameters: {} } } as FromWorker);
    else asked.push(message);
  },
  terminate: () => {},
  onMessage: (listener) => (receive = listener),
  onFailure: () => {},
});
installDoor(new Door(transport, () => ({ baseUrl: 'http://lab.test/' })));

function answer(message: FromWorker): void {
  setTimeout(() => receive(message), 1);
}
const until = (check: () => boolean) => vi.waitFor(() => expect(check()).toBe(true), { timeout: 2_000, interval: 5 });
const checks = () => asked.filter((message) => message.kind === 'checkLayers');
const bodyOf = (message: RequestMessage) => message.body as RequestBody<'checkLayers'>;

const taps = (third: boolean): Tap[] => [
  { name: 'block1', shape: [8, 8, 16], kind: 'block' },
  { name: 'block2', shape: [8, 8, 32], kind: 'block' },
  ...(third ? [{ name: 'block3', shape: [4, 4, 64], kind: 'block' } as Tap] : []),
  { name: 'embedding', shape: [512], kind: 'embedding' },
  { name: 'logits', shape: [10], kind: 'logits' },
];

describe('the layer check of a mutual method', () => {
  it('sends UDML’s peer, not a teacher, keys the request by it, and lets Start go once the peer’s layers are checked', async () => {
    const udml = withMethod(DEFAULT_CONFIG, 'udml');
    labStore.setState({ config: udml });
    startLayerChecks();
    await until(() => checks().length === 1);
    expect(bodyOf(checks()[0])).toEqual({ dataset: 'digits', student: 'tiny-cnn', teacher: null, peer: 'tiny-cnn', terms: [{ method: 'udml', weight: udml.kdRatio, params: udml.params }] });
    expect(configProblems(labStore.getState())).toEqual([{ field: 'layers', message: 'Checking the layer pairs…' }]);

    const term = { method: 'udml', readsLayers: true, studentLayers: ['block2'], teacherLayers: ['block2'], defaults: { studentLayers: ['block2'], teacherLayers: ['block2'] }, problem: null };
    answer({ id: checks()[0].id, ok: true, value: { studentTaps: taps(false), teacherTaps: taps(false), terms: [term] } } as FromWorker);
    await until(() => labStore.getState().layerCheck.status === 'ready');
    expect(labStore.getState().layerCheck.teacherTaps).toEqual(taps(false));
    expect(configProblems(labStore.getState())).toEqual([]);

    // Another peer architecture is another set-up: asked again, with that peer.
    const firstKey = labStore.getState().layerCheck.key;
    labStore.setState({ config: { ...udml, peerStudent: 'small-cnn' } });
    await until(() => checks().length === 2);
    expect(bodyOf(checks()[1]).peer).toBe('small-cnn');
    expect(labStore.getState().layerCheck.key).not.toBe(firstKey);
    answer({ id: checks()[1].id, ok: true, value: { studentTaps: taps(false), teacherTaps: taps(true), terms: [term] } } as FromWorker);
    await until(() => labStore.getState().layerCheck.teacherTaps.length === 5);
  });
});
