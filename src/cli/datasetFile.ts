// --dataset-file PATH for the CLI: a file (an archive, a .bin, a CSV …) or a folder on disk as the
// data layer's DatasetSource, read lazily; the reading, recognising and checking is the data
// layer's (src/data/files/read.ts), the same as the worker's.
import { open, readFile, readdir, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import type { Dataset, LoadProgress } from '../data/types';
import { datasetNameFromPath, type DatasetSource, type DatasetSourceFile } from '../data/files/source';
import { readDatasetFiles, type DatasetFormat } from '../data/files/read';
import { errorMessage } from '../core/errors';

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

/** What a path that is neither a file nor a folder is, in words. */
function kindOf(info: Stats): string {
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A path's file or folder, following links, with every failure in words naming it. */
async function statEntry(full: string, shownAs: string): Promise<Stats> {
  try {
    return await stat(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${shownAs}: a symbolic link that leads back to itself (a loop); remove it or point it at a file`);
    if (code === 'ENOENT') throw new Error(`${shownAs}: a symbolic link to nothing (its target does not exist)`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`${shownAs}: permission denied`);
    throw new Error(`${shownAs}: cannot be read (${errorMessage(error)})`);
  }
}

/** Only regular files are read: a device (/dev/zero), a pipe or a socket would be read forever or block. */
function refuseSpecial(info: Stats, shownAs: string): void {
  if (!info.isFile() && !info.isDirectory()) throw new Error(`${shownAs}: ${kindOf(info)}, not a file or folder; the lab reads regular files only`);
}

async function walk(root: string, relative: string, files: DatasetSourceFile[], directories: string[], given: string): Promise<void> {
  for (const item of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const rel = relative ? `${relative}/${item.name}` : item.name;
    const shownAs = path.join(given, rel);
    // A name that is not UTF-8 comes back with U+FFFD in it and cannot be opened by that name.
    if (item.name.includes('\uFFFD')) throw new Error(`${shownAs}: the name is not valid UTF-8 (shown with �); rename it`);
    const full = path.join(root, rel);
    const info = await statEntry(full, shownAs);
    refuseSpecial(info, shownAs);
    if (info.isDirectory()) {
      directories.push(rel);
      await walk(root, rel, files, directories, given);
    } else files.push(diskFile(rel, full, info.size));
  }
}

export async function datasetSourceFromPath(given: string): Promise<DatasetSource> {
  const flag = `--dataset-file ${given}`;
  let info: Stats;
  try {
    info = await stat(given);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${flag}: no such file or folder`);
    info = await statEntry(given, flag);
  }
  refuseSpecial(info, flag);
  const name = datasetNameFromPath(path.resolve(given));
  if (info.isDirectory()) {
    const files: DatasetSourceFile[] = [];
    const directories: string[] = [];
    await walk(path.resolve(given), '', files, directories, given);
    return { name, files, directories };
  }
  return { name, files: [diskFile(path.basename(given), given, info.size)] };
}

export async function readDatasetPath(given: string, format: DatasetFormat | undefined, onProgress?: (progress: LoadProgress) => void, imageSize?: [number, number]): Promise<Dataset> {
  return readDatasetFiles(await datasetSourceFromPath(given), { format, onProgress, imageSize });
}
