// --dataset-file PATH for the CLI: a file (an archive, a .bin, a CSV …) or a folder on disk as the
// data layer's DatasetSource, read lazily; the reading, recognising and checking is the data
// layer's (src/data/files/read.ts), the same as the worker's.
import { open, readFile, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset, LoadProgress } from '../data/types';
import { datasetNameFromPath, type DatasetSource, type DatasetSourceFile } from '../data/files/source';
import { readDatasetFiles, type DatasetFormat } from '../data/files/read';

/** A file's bytes without a second copy (a Buffer is a Uint8Array view; fresh memory is slow to touch). */
async function fileBytes(file: string): Promise<Uint8Array> {
  const buffer = await readFile(file);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The file in 1 MB chunks, for archives decompressed as they are read. */
function fileStream(file: string): ReadableStream<Uint8Array> {
  let handle: FileHandle | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      handle ??= await open(file, 'r');
      const chunk = new Uint8Array(1 << 20);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
      } else controller.enqueue(chunk.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
    },
  });
}

async function fileSlice(file: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const out = new Uint8Array(Math.max(0, end - start));
    const { bytesRead } = await handle.read(out, 0, out.length, start);
    return out.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function diskFile(rel: string, full: string, size: number): DatasetSourceFile {
  return { path: rel, size, bytes: () => fileBytes(full), stream: () => fileStream(full), slice: (start, end) => fileSlice(full, start, end) };
}

async function walk(root: string, relative: string, files: DatasetSourceFile[], directories: string[]): Promise<void> {
  for (const item of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const rel = relative ? `${relative}/${item.name}` : item.name;
    const full = path.join(root, rel);
    const info = await stat(full);
    if (info.isDirectory()) {
      directories.push(rel);
      await walk(root, rel, files, directories);
    } else if (info.isFile()) {
      files.push(diskFile(rel, full, info.size));
    }
  }
}

export async function datasetSourceFromPath(given: string): Promise<DatasetSource> {
  let info;
  try {
    info = await stat(given);
  } catch {
    throw new Error(`--dataset-file ${given}: no such file or folder`);
  }
  const name = datasetNameFromPath(path.resolve(given));
  if (info.isDirectory()) {
    const files: DatasetSourceFile[] = [];
    const directories: string[] = [];
    await walk(path.resolve(given), '', files, directories);
    return { name, files, directories };
  }
  return { name, files: [diskFile(path.basename(given), given, info.size)] };
}

export async function readDatasetPath(given: string, format: DatasetFormat | undefined, onProgress?: (progress: LoadProgress) => void, imageSize?: [number, number]): Promise<Dataset> {
  return readDatasetFiles(await datasetSourceFromPath(given), { format, onProgress, imageSize });
}
