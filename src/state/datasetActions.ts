// Datasets on the page: asked of the worker once each (again after a failure), with the worker's
// download progress shown on the dataset card.
import { WorkerGone } from '../worker/door';
import { labDoor } from './door';
import { labStore, type DatasetState } from './store';
import { errorMessage } from '../core/errors';

const get = () => labStore.getState();
const set = labStore.setState;

function setDataset(id: string, state: DatasetState): void {
  set((current) => ({ datasets: { ...current.datasets, [id]: state } }));
}

/** Load a dataset in the worker unless it is loaded or loading. */
export function requestDataset(id: string): void {
  const existing = get().datasets[id];
  if (existing && existing.status !== 'failed') return;
  setDataset(id, { status: 'loading', fraction: 0, message: 'Starting download' });
  labDoor()
    .request('loadDataset', { dataset: id })
    .then(
      (summary) => setDataset(id, { status: 'ready', fraction: 1, message: '', summary }),
      (error: unknown) => {
        // A worker that died took the download with it: the next request asks the fresh one.
        if (error instanceof WorkerGone) set((state) => ({ datasets: Object.fromEntries(Object.entries(state.datasets).filter(([key]) => key !== id)) }));
        else setDataset(id, { status: 'failed', fraction: 0, message: errorMessage(error) });
      },
    );
}

/** Follow the worker's download progress (once, at start-up). */
export function followDatasetProgress(): void {
  labDoor().on('datasetProgress', ({ dataset, fraction, message }) => {
    const current = get().datasets[dataset];
    // A progress message that arrives after the reply must not turn a ready card back into a loading one.
    if (current?.status === 'ready') return;
    setDataset(dataset, { ...current, status: 'loading', fraction, message });
  });
}

export function retryDataset(): void {
  requestDataset(get().config.dataset);
}
