// The lab's datasets: downloaded from the app's origin with progress, uploaded to the device once
// and kept, summarised for the page's card.
import * as tf from '@tensorflow/tfjs-core';
import { loadBuiltinDataset } from '../../data/load';
import { concatBytes } from '../../data/bytes';
import { classCounts } from '../../data/split';
import { BYTE_TO_UNIT } from '../../data/pixels';
import { disposeSplit, uploadSplit, type DeviceSplit } from '../../data/device';
import type { Dataset, DatasetInfo, FetchBytes, ImageSet } from '../../data/types';
import { getBuiltinDataset } from '../../data/registry';
import { isUploadedDataset, UPLOADED_PREFIX } from '../../data/uploaded';
import { trainSplitFingerprint } from '../../models/shippedLogits';
import type { DatasetSummary, Events } from '../protocol';

export interface LoadedDataset {
  info: DatasetInfo;
  train: DeviceSplit;
  val: DeviceSplit;
  test: DeviceSplit;
  summary: DatasetSummary;
  /** trainSplitFingerprint of the host training split: ties shipped teacher logits to it. */
  trainFingerprint: string;
}

/** Streams a file through `fetchUrl`, reporting bytes as they arrive. */
export function streamingFetch(fetchUrl: (path: string) => Promise<Response>): FetchBytes {
  return async (path, onProgress) => {
    const response = await fetchUrl(path);
    if (!response.ok) throw new Error(`Could not download ${path} (HTTP ${response.status})`);
    const total = Number(response.headers.get('content-length')) || 0;
    if (!response.body) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.(loaded, Math.max(total, loaded));
    }
    return concatBytes(chunks);
  };
}

/** Up to `perClass` images of every class, round-robin over classes, for the dataset card. */
export function sampleImages(set: ImageSet, numClasses: number, perClass: number): DatasetSummary['samples'] {
  const size = set.images.length / Math.max(set.count, 1);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < set.count && byClass.some((list) => list.length < perClass); i++) {
    const list = byClass[set.labels[i]];
    if (list && list.length < perClass) list.push(i);
  }
  const samples: DatasetSummary['samples'] = [];
  for (let round = 0; round < perClass; round++) {
    for (const list of byClass) {
      const index = list[round];
      if (index === undefined) continue;
      const pixels = set.images.subarray(index * size, (index + 1) * size);
      samples.push({ pixels: pixels instanceof Uint8Array ? Float32Array.from(pixels, (b) => BYTE_TO_UNIT[b]) : pixels.slice(), label: set.labels[index] });
    }
  }
  return samples;
}

export class Datasets {
  private readonly loaded = new Map<string, Promise<LoadedDataset>>();

  constructor(
    private readonly fetchBytes: FetchBytes,
    private readonly progress: (event: Events['datasetProgress']) => void,
  ) {}

  /** The dataset on the device, downloading and uploading it the first time (a failed load is tried again next time). */
  ensure(id: string): Promise<LoadedDataset> {
    const existing = this.loaded.get(id);
    if (existing) return existing;
    const loading = this.load(id);
    this.loaded.set(id, loading);
    loading.catch(() => this.loaded.delete(id));
    return loading;
  }

  /**
   * A dataset being read from the user's files, kept on the device under `id` once it is: a run
   * asked for it meanwhile waits for it. A refused one leaves what was there before.
   */
  register(id: string, reading: Promise<Dataset>): Promise<LoadedDataset> {
    const previous = this.loaded.get(id);
    const loading = reading.then((dataset) => this.toDevice(dataset));
    this.loaded.set(id, loading);
    loading.then(
      async () => {
        const old = await previous?.catch(() => null);
        if (old) for (const split of [old.train, old.val, old.test]) disposeSplit(split);
      },
      () => {
        if (this.loaded.get(id) !== loading) return;
        if (previous) this.loaded.set(id, previous);
        else this.loaded.delete(id);
      },
    );
    return loading;
  }

  /** The info of a dataset the worker holds, or of a shipped one. */
  async info(id: string): Promise<DatasetInfo> {
    const loaded = this.loaded.get(id);
    if (loaded) return (await loaded).info;
    if (isUploadedDataset(id)) throw new Error(uploadedGone(id));
    return getBuiltinDataset(id);
  }

  private async load(id: string): Promise<LoadedDataset> {
    // An uploaded dataset lives only in the worker that read it.
    if (isUploadedDataset(id)) throw new Error(uploadedGone(id));
    let lastPost = 0;
    const dataset = await loadBuiltinDataset(id, this.fetchBytes, ({ fraction, message }) => {
      const now = performance.now();
      if (fraction < 1 && now - lastPost < 100) return;
      lastPost = now;
      this.progress({ dataset: id, fraction, message });
    });
    this.progress({ dataset: id, fraction: 1, message: `Uploading ${dataset.info.name} to ${tf.getBackend()}` });
    return this.toDevice(dataset);
  }

  private async toDevice(dataset: Dataset): Promise<LoadedDataset> {
    const { info } = dataset;
    const summary: DatasetSummary = {
      ...info,
      sizes: { train: dataset.train.count, val: dataset.val.count, test: dataset.test.count },
      classCounts: classCounts(dataset.train, info.numClasses),
      samples: sampleImages(dataset.train, info.numClasses, 2),
    };
    // Uploaded once and kept: every later run on this dataset gathers its batches on the device.
    return {
      info,
      train: uploadSplit(dataset.train, info),
      val: uploadSplit(dataset.val, info),
      test: uploadSplit(dataset.test, info),
      summary,
      // Shipped logits exist only for shipped datasets: a user's dataset is not hashed (553 MB for CIFAR-10's train split).
      trainFingerprint: isUploadedDataset(info.id) ? '' : await trainSplitFingerprint(dataset.train),
    };
  }
}

function uploadedGone(id: string): string {
  return `The dataset "${id.slice(UPLOADED_PREFIX.length)}" was read from your files by an earlier worker: load its files again (Data panel).`;
}
