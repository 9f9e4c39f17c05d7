// Node-only file access for the CLI, tests and scripts: the app's public/ folder stands in for
// its origin, and models are read from and written to directories.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { FetchBytes } from '../data/types';
import { loadModelFromFiles, serializeModel, WEIGHTS_FILE } from '../models/io';
import { teacherModelPath, type TeacherCard } from '../models/catalog';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');

export const fetchPublicFile: FetchBytes = async (relativePath, onProgress) => {
  const bytes = new Uint8Array(await readFile(path.join(PUBLIC_DIR, relativePath)));
  onProgress?.(bytes.length, bytes.length);
  return bytes;
};

export async function loadModelFromDir(dirOrModelJson: string): Promise<tfl.LayersModel> {
  const modelJsonPath = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dirOrModelJson, 'model.json');
  if (!existsSync(modelJsonPath)) throw new Error(`No model.json at ${modelJsonPath}`);
  const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  const files = new Map<string, Uint8Array>();
  for (const group of modelJson.weightsManifest ?? []) {
    for (const p of group.paths as string[]) {
      files.set(path.basename(p), new Uint8Array(await readFile(path.join(path.dirname(modelJsonPath), p))));
    }
  }
  return loadModelFromFiles(modelJson, files);
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
