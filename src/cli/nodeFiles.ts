// Node-only file access for the CLI, tests and scripts: the app's public/ folder stands in for
// its origin, and models are read from and written to directories.
import { mkdir, open, readFile, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { FetchBytes } from '../data/types';
import { loadModelFromSourceFiles, quoteName, serializeModel, WEIGHTS_FILE, type ModelSourceFile } from '../models/io';
import { teacherModelPath, type TeacherCard } from '../models/catalog';
import { errorMessage } from '../core/errors';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');

export const fetchPublicFile: FetchBytes = async (relativePath, onProgress) => {
  const bytes = new Uint8Array(await readFile(path.join(PUBLIC_DIR, relativePath)));
  onProgress?.(bytes.length, bytes.length);
  return bytes;
};

/** A file on disk as the model loader reads it: its size first, its bytes only when asked. */
async function diskFile(file: string, shownAs: string): Promise<ModelSourceFile | undefined> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return undefined;
  }
  if (!info.isFile()) throw new Error(`${shownAs} is not a file`);
  return { name: shownAs, size: info.size, arrayBuffer: async () => new Uint8Array(await readFile(file)).buffer };
}

export async function loadModelFromDir(dirOrModelJson: string): Promise<tfl.LayersModel> {
  const modelJsonPath = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dirOrModelJson, 'model.json');
  const modelFile = await diskFile(modelJsonPath, modelJsonPath);
  if (!modelFile) throw new Error(`No model.json at ${modelJsonPath}`);
  const folder = path.dirname(modelJsonPath);
  const realFolder = await realpath(folder);
  // The loader has refused ".." and absolute paths; a symbolic link must not lead out of the folder either.
  return loadModelFromSourceFiles(modelFile, async (manifestPath) => {
    const file = path.join(folder, manifestPath);
    const real = await realpath(file).catch(() => null);
    if (real && path.relative(realFolder, real).split(path.sep)[0] === '..') {
      throw new Error(`${modelJsonPath}: weight file ${quoteName(manifestPath)} is a link to a file outside the model's folder`);
    }
    return diskFile(file, file);
  });
}

export async function saveModelToDir(model: tfl.LayersModel, dir: string): Promise<void> {
  const files = await serializeModel(model);
  await makeFolder(dir);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(files.modelJson));
  await writeFile(path.join(dir, WEIGHTS_FILE), files.weights);
}

export async function readTeacherIndex(): Promise<TeacherCard[]> {
  const file = path.join(PUBLIC_DIR, 'teachers', 'index.json');
  if (!existsSync(file)) return [];
  return JSON.parse(await readFile(file, 'utf8')) as TeacherCard[];
}

export function shippedTeacherDir(id: string): string {
  return path.dirname(path.join(PUBLIC_DIR, teacherModelPath(id)));
}

// ---------------------------------------------------------------- output paths, checked before a run

/** Why a file operation failed, in words (the error codes a user meets). */
function failureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOENT') return 'this file system does not take new files';
  if (code === 'EISDIR') return `${(error as NodeJS.ErrnoException).path ?? 'the file'} is a folder`;
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  return errorMessage(error);
}

type Stats = Awaited<ReturnType<typeof stat>>;

/** `look` (stat, or lstat not to follow a link) of a path, or null when nothing is there. */
export async function existing(look: (file: string) => Promise<Stats>, file: string): Promise<Stats | null> {
  try {
    return await look(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

const statOrNull = (file: string) => existing(stat, file);

/** Writability is probed by creating and removing a file: permission bits lie (root, read-only mounts, /proc). */
async function probeFolder(folder: string): Promise<void> {
  const probe = path.join(folder, `.distillation-lab-probe-${process.pid}`);
  const handle = await open(probe, 'wx');
  await handle.close();
  await unlink(probe);
}

/** The nearest folder at or above `target` that exists; refuses a file on the way. */
async function nearestFolder(target: string, flag: string, given: string): Promise<string> {
  let current = target;
  for (;;) {
    const info = await statOrNull(current);
    if (info) {
      if (!info.isDirectory()) throw new Error(`${flag} ${given}: ${current === target ? 'it' : current} is a file, not a folder`);
      return current;
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Create `dir` one level at a time: Node's recursive mkdir never returns under /proc. */
async function makeFolder(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; !(await statOrNull(current)); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const folder of missing) await mkdir(folder);
}

/** `--save DIR` must be a folder (or creatable under one) that takes new files. */
export async function checkSaveFolder(dir: string): Promise<void> {
  const folder = await nearestFolder(path.resolve(dir), '--save', dir);
  try {
    await probeFolder(folder);
  } catch (error) {
    throw new Error(`--save ${dir}: cannot write in ${folder} (${failureReason(error)})`);
  }
}

/** `--json FILE` must name a file in an existing folder that takes it. */
export async function checkJsonFile(file: string): Promise<void> {
  const target = path.resolve(file);
  const info = await statOrNull(target);
  if (info?.isDirectory()) throw new Error(`--json ${file}: it is a folder; give a file name, such as ${path.join(file, 'result.json')}`);
  // A device (/dev/stdout) or a pipe is written as it is; opening a pipe to probe it would wait for a reader.
  if (info && !info.isFile()) return;
  const folder = path.dirname(target);
  const folderInfo = await statOrNull(folder);
  if (!folderInfo) {
    const existing = await nearestFolder(folder, '--json', file);
    throw new Error(`--json ${file}: folder ${folder} does not exist (${existing} does)`);
  }
  if (!folderInfo.isDirectory()) throw new Error(`--json ${file}: ${folder} is a file, not a folder`);
  try {
    if (info) await (await open(target, 'a')).close();
    else await probeFolder(folder);
  } catch (error) {
    throw new Error(`--json ${file}: cannot write ${info ? target : `in ${folder}`} (${failureReason(error)})`);
  }
}

/** A failed write after the run, as one line naming the flag and the path. */
export function writeFailure(flag: string, given: string, error: unknown): string {
  return `${flag} ${given}: could not write (${failureReason(error)})`;
}
