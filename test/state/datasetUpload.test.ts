// Reading the user's files, as the page sees it, against a scripted worker behind a real Door:
// while the worker reads, the Data panel's progress follows the new dataset's id; an accepted
// dataset becomes ready and is kept; a refusal leaves the dataset that was loaded and no trace of
// the refused one's progress.
import { describe, expect, it, vi } from 'vitest';
import type { DatasetSummary, FromWorker, RequestMessage } from '../../src/worker/protocol';
import { Door, type Transport } from '../../src/worker/door';

const kept = vi.hoisted(() => ({ saved: [] as string[], imageSizes: new Map<string, unknown>() }));
vi.mock('../../src/state/datasetStore', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/state/datasetStore')>()),
  saveDataset: async (dataset: { id: string; imageSize?: unknown }) => {
    kept.saved.push(dataset.id);
    kept.imageSizes.set(dataset.id, dataset.imageSize);
  },
  listDatasets: async () => [],
}));

const { installDoor } = await import('../../src/state/door');
const { followDatasetProgress, uploadDataset } = await import('../../src/state/datasetActions');
const { loadOwnDataset } = await import('../../src/state/configActions');
const { labStore } = await import('../../src/state/store');

const worker = { receive: (_message: FromWorker) => {}, respond: (_message: RequestMessage) => {} };
const transport = (): Transport => ({
  postMessage: (message) => {
    if (message.kind === 'init') emit({ id: message.id, ok: true, value: { backend: 'cpu', fallbackReason: null, why: null, parameters: {} } } as FromWorker);
    else worker.respond(message);
  },
  terminate: () => {},
  onMessage: (listener) => (worker.receive = listener),
  onFailure: () => {},
});
installDoor(new Door(transport, () => ({ baseUrl: 'http://lab.test/' })));
followDatasetProgress();

function emit(message: FromWorker): void {
  setTimeout(() => worker.receive(message), 1);
}
const progress = (dataset: string, fraction: number, message: string) => emit({ event: 'datasetProgress', payload: { dataset, fraction, message } } as FromWorker);
const until = (check: () => boolean) => vi.waitFor(() => expect(check()).toBe(true), { timeout: 2_000, interval: 5 });

const summary: DatasetSummary = {
  id: 'upload:pets',
  name: 'pets',
  inputShape: [8, 8, 3],
  numClasses: 2,
  classNames: ['cat', 'dog'],
  description: '',
  source: 'pets.zip',
  sizes: { train: 9, val: 1, test: 3 },
  classCounts: [5, 4],
  samples: [],
};

describe('uploadDataset', () => {
  it('shows the worker\'s reading progress under the new id while it reads, then the dataset is ready and kept', async () => {
    let request: RequestMessage | null = null;
    worker.respond = (message) => {
      if (message.kind === 'uploadDataset') request = message;
    };
    const done = uploadDataset([new File([new Uint8Array(4)], 'pets.zip')]);
    expect(labStore.getState().datasetUpload).toMatchObject({ status: 'reading', id: 'upload:pets' });
    await until(() => request !== null);
    progress('upload:pets', 0.4, 'Decoding images');
    await until(() => labStore.getState().datasets['upload:pets']?.fraction === 0.4);
    expect(labStore.getState().datasets['upload:pets']).toMatchObject({ status: 'loading', message: 'Decoding images' });
    emit({ id: request!.id, ok: true, value: { summary, parameters: {} } } as FromWorker);
    expect(await done).toBe('upload:pets');
    expect(labStore.getState().datasets['upload:pets']).toMatchObject({ status: 'ready', fraction: 1 });
    expect(labStore.getState().datasetUpload).toMatchObject({ status: 'accepted', message: 'pets: 9 train, 1 val, 3 test images' });
    await until(() => kept.saved.includes('upload:pets'));
    // A late progress message does not turn the ready dataset back into a loading one.
    progress('upload:pets', 0.9, 'late');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(labStore.getState().datasets['upload:pets'].status).toBe('ready');
  });

  it('asks the worker for the image size the Data panel chose, and keeps it with the files for the next reading', async () => {
    const asked: RequestMessage[] = [];
    worker.respond = (message) => {
      if (message.kind !== 'uploadDataset') return;
      asked.push(message);
      emit({ id: message.id, ok: true, value: { summary: { ...summary, id: 'upload:faces', name: 'faces' }, parameters: {} } } as FromWorker);
    };
    labStore.setState({ uploadImageSide: 16 });
    await loadOwnDataset([new File([new Uint8Array(4)], 'faces.zip')]);
    expect(asked.map((message) => (message.body as { imageSize?: number[] }).imageSize)).toEqual([[16, 16]]);
    await until(() => kept.saved.includes('upload:faces'));
    expect(kept.imageSizes.get('upload:faces')).toEqual([16, 16]);
    labStore.setState({ uploadImageSide: null });
  });

  it('a refusal says why, and drops the refused files\' progress (the datasets loaded before stay)', async () => {
    const before = Object.keys(labStore.getState().datasets);
    worker.respond = (message) => {
      if (message.kind !== 'uploadDataset') return;
      progress('upload:broken', 0.5, 'Reading broken.bin');
      setTimeout(() => emit({ id: message.id, ok: false, message: 'broken.bin: 10 bytes is not a whole number of CIFAR-10 records' } as FromWorker), 10);
    };
    expect(await uploadDataset([new File([new Uint8Array(10)], 'broken.bin')])).toBeNull();
    expect(labStore.getState().datasetUpload).toMatchObject({ status: 'refused', message: expect.stringContaining('not a whole number of CIFAR-10 records') });
    expect(Object.keys(labStore.getState().datasets)).toEqual(before);
  });
});
