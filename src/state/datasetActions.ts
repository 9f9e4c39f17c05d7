// Datasets on the page: asked of the worker once each (again after a failure), with the worker's
// download progress shown on the dataset card; the user's own files read as a dataset, kept in
// this browser (datasetStore.ts) and handed to the worker again after a reload.
import { WorkerGone } from '../worker/door';
import { labDoor } from './door';
import { labStore, type DatasetState } from './store';
import { isUploadedDataset, UPLOADED_PREFIX, uploadedDatasetId } from '../data/uploaded';
import { datasetNameFromPath } from '../data/files/source';
import { deleteDataset, listDatasets, readDataset, saveDataset } from './datasetStore';
import { describeStorageError } from './runStore';
import { errorMessage } from '../core/errors';

const get = () => labStore.getState();
const set = labStore.setState;

function setDataset(id: string, state: DatasetState): void {
  set((current) => ({ datasets: { ...current.datasets, [id]: state } }));
}

/** Load a dataset in the worker unless it is loaded or loading (one of the user's from this browser's storage). */
export function requestDataset(id: string): void {
  const existing = get().datasets[id];
  if (existing && existing.status !== 'failed') return;
  setDataset(id, { status: 'loading', fraction: 0, message: isUploadedDataset(id) ? 'Reading your files again' : 'Starting download' });
  const loading = isUploadedDataset(id) ? restoreDataset(id) : labDoor().request('loadDataset', { dataset: id });
  loading.then(
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

/**
 * A name for a dataset from its files' paths: a picked folder's name, an archive's
 * ("cifar-10-binary.tar.gz" → "cifar-10-binary"), or what IDX names share
 * ("kmnist-train-imgs-idx3-ubyte.gz" → "kmnist").
 */
export function datasetNameFromFiles(names: readonly string[]): string {
  const folder = names.find((name) => name.includes('/'));
  if (folder) return folder.split('/')[0] || 'my-dataset';
  if (names.length === 1 && /\.(tar\.gz|tgz|tar|zip|csv(\.gz)?)$/i.test(names[0])) return datasetNameFromPath(names[0]);
  const words = (name: string) =>
    name
      .toLowerCase()
      .replace(/\.(gz|zip|tgz|tar|csv|bin)$/g, '')
      .replace(/\.(gz|zip|tgz|tar|csv|bin)$/g, '')
      .split(/[^a-z0-9]+/)
      .filter((word) => word && !/^(idx\d|ubyte|images?|imgs|labels?|train|test|t10k|data|batch|\d+)$/.test(word));
  const found = names.map(words).find((list) => list.length > 0);
  return found ? found.join('-') : 'my-dataset';
}

/** The worker reads a saved dataset's files again (after a reload or a worker restart). */
async function restoreDataset(id: string) {
  const saved = await readDataset(id);
  if (!saved) throw new Error(`"${id.slice(UPLOADED_PREFIX.length)}" is not kept in this browser (deleted, or saved in another one): load its files again.`);
  const { summary, parameters } = await labDoor().request('uploadDataset', { name: saved.name, files: saved.files, imageSize: saved.imageSize });
  set((state) => ({ parameters: { ...(state.parameters ?? {}), [summary.id]: parameters } }));
  return summary;
}

/** The datasets this browser keeps from the user's files, listed next to the shipped ones. */
export async function refreshSavedDatasets(): Promise<void> {
  try {
    set({ savedDatasets: await listDatasets() });
  } catch {
    set({ savedDatasets: [] }); // no IndexedDB: nothing was kept
  }
}

/**
 * Read the user's files in the worker as a dataset; its id when it was accepted (the caller makes
 * it the Lab's dataset), null when refused (nothing loaded before is lost; the message says why).
 */
export async function uploadDataset(files: readonly File[], imageSize?: [number, number]): Promise<string | null> {
  if (files.length === 0) return null;
  const name = datasetNameFromFiles(files.map((file) => file.webkitRelativePath || file.name));
  set({ datasetUpload: { status: 'reading', message: `Reading ${files.length} file${files.length === 1 ? '' : 's'}…`, id: uploadedDatasetId(name) } });
  try {
    const { summary, parameters } = await labDoor().request('uploadDataset', { name, files: [...files], imageSize });
    const counts = `${summary.name}: ${summary.sizes.train.toLocaleString('en')} train, ${summary.sizes.val.toLocaleString('en')} val, ${summary.sizes.test.toLocaleString('en')} test images`;
    set((state) => ({
      datasets: { ...state.datasets, [summary.id]: { status: 'ready', fraction: 1, message: '', summary } },
      parameters: { ...(state.parameters ?? {}), [summary.id]: parameters },
      datasetUpload: { status: 'accepted', message: counts },
    }));
    // Kept in this browser so a reload (or the URL) reopens it; a full disk is said, the dataset still works now.
    // Not waited for: copying CIFAR-10's 184 MB into storage must not hold the Lab back.
    saveDataset({ id: summary.id, name: summary.name, files: [...files], savedAt: Date.now(), imageSize })
      .then(refreshSavedDatasets)
      .catch((error: unknown) => set({ datasetUpload: { status: 'accepted', message: `${counts}. ${describeStorageError(error, 'Keeping it in this browser')}` } }));
    return summary.id;
  } catch (error) {
    // The progress the worker reported for the refused files is dropped (a dataset read before under that name stays).
    const id = uploadedDatasetId(name);
    set((state) => ({
      datasets: state.datasets[id]?.status === 'ready' ? state.datasets : Object.fromEntries(Object.entries(state.datasets).filter(([key]) => key !== id)),
      datasetUpload: { status: 'refused', message: errorMessage(error) },
    }));
    return null;
  }
}

/** Delete a dataset of the user's from this browser (and from the page; the worker frees it with the next one). */
export async function deleteSavedDataset(id: string): Promise<string | null> {
  try {
    await deleteDataset(id);
  } catch (error) {
    const problem = describeStorageError(error, 'Deleting the dataset');
    set({ datasetUpload: { status: 'refused', message: problem } });
    return problem;
  }
  const name = get().datasets[id]?.summary?.name ?? id.slice(UPLOADED_PREFIX.length);
  set((state) => ({
    datasets: Object.fromEntries(Object.entries(state.datasets).filter(([key]) => key !== id)),
    datasetUpload: { status: 'idle', message: `${name} was deleted from this browser.` },
  }));
  await refreshSavedDatasets();
  return null;
}
