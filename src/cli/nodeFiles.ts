// Node-only file access for the CLI, tests and scripts: the app's public/ folder stands in for
// its origin, and models are read from and written to directories.
import { mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { FetchBytes } from '../data/types';
import { loadModelFromSourceFiles, quoteName, serializeModel, WEIGHTS_FILE, type ModelSourceFile } from '../models/io';
import { teacherModelPath, type TeacherCard } from '../models/catalog';

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
  await mkdir(dir, { recursive: true });
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
