// A dataset from the files the user picked or dropped: read in the worker (the page never holds
// their bytes) by the data layer's reader (src/data/files/: CIFAR binary, IDX, an image folder or
// .zip, CSV), which checks them and splits them as the shipped datasets are split.
import { readDatasetFiles } from '../../data/files/read';
import type { DatasetSource } from '../../data/files/source';
import type { Dataset } from '../../data/types';

/** Picked files as the reader takes them: streamed and sliced, never read whole when they need not be. */
export function sourceOfFiles(name: string, files: readonly File[]): DatasetSource {
  return {
    name,
    files: files.map((file) => ({
      // A picked folder (webkitdirectory) gives each file its path inside it.
      path: file.webkitRelativePath || file.name,
      size: file.size,
      bytes: async () => new Uint8Array(await file.arrayBuffer()),
      stream: () => file.stream() as ReadableStream<Uint8Array>,
      slice: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()),
    })),
  };
}

export function readUploadedDataset(name: string, files: readonly File[], progress: (fraction: number, message: string) => void, imageSize?: [number, number]): Promise<Dataset> {
  if (files.length === 0) return Promise.reject(new Error('No files were picked'));
  return readDatasetFiles(sourceOfFiles(name, files), { onProgress: ({ fraction, message }) => progress(fraction, message), imageSize });
}
