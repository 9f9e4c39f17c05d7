// `--export-pytorch DIR`: the run as a PyTorch folder (src/export/pytorchExport.ts builds the
// files; this writes them, with the teacher's files and the dataset's from disk), by the folder
// rules of docs/ARCHITECTURE.md §4.5: checked before training, never through a symbolic link, and
// a failed write leaves nothing this run created.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { datasetFilePaths, pytorchExportFiles, type ExportFile, type PytorchExportInput, type TfjsModelFiles } from '../export/pytorchExport';
import { existing, PUBLIC_DIR, writeFailure } from './nodeFiles';

const FLAG = '--export-pytorch';

/** Folders that are views of the kernel, not of a disk: writing there never makes an export (and /proc can hang a recursive mkdir). */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

const specialRoot = (resolved: string) => SPECIAL_ROOTS.find((root) => resolved === root || resolved.startsWith(`${root}/`));

/** Created afresh, never through a link: O_EXCL refuses anything already there, a link included. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);


/**
 * Checked before training, as --save: the folder must be a folder on disk (or creatable under
 * one) that takes new files, and empty unless `force`. Nothing is created: the export's folder is
 * made when it is written. Throws one line naming the flag and the path.
 */
export async function checkExportFolder(given: string, force = false): Promise<void> {
  const refuse = (why: string) => new Error(`${FLAG} ${given}: ${why}`);
  const target = path.resolve(given);
  const notOnDisk = (where: string, root: string) => refuse(`${where} is under ${root}, which is not a folder on disk`);
  const root = specialRoot(target);
  if (root) throw notOnDisk(given === target ? 'it' : target, root);
  // The nearest existing folder at or above the target (the folder named, or a parent, may be a link).
  let folder = target;
  let info = await existing(stat, folder);
  while (!info) {
    if ((await existing(lstat, folder))?.isSymbolicLink()) throw refuse(`${folder === target ? 'it' : folder} is a link to nothing`);
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
    info = await existing(stat, folder);
  }
  if (!info?.isDirectory()) throw refuse(`${folder === target ? 'it' : folder} is not a folder`);
  const real = await realpath(folder);
  const realRoot = specialRoot(real);
  if (realRoot) throw notOnDisk(`${folder === target ? 'it' : folder} (${real})`, realRoot);
  if (folder === target && !force) {
    const entries = await readdir(target);
    if (entries.length > 0) throw refuse(`the folder is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}); give an empty or new folder, or --force to write the export into it`);
  }
  try {
    const probe = path.join(folder, `.distillation-lab-probe-${process.pid}`);
    await (await open(probe, CREATE_NEW)).close();
    await unlink(probe);
  } catch (error) {
    throw new Error(writeFailure(FLAG, given, error));
  }
}

/**
 * Write the files under `dir`. The folder and its subfolders are created one level at a time; a
 * symbolic link anywhere in the way is refused before anything is written; every file is created
 * afresh without following links (`force`: a file already there is removed first, else refused).
 * A failure removes every file and folder this call created, and only those.
 */
export async function writeExportFiles(dir: string, files: readonly ExportFile[], force: boolean): Promise<void> {
  const root = path.resolve(dir);
  const targets = files.map((file) => {
    const parts = file.path.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\\'))) throw new Error(`${file.path} is not a path inside the export`);
    return { parts, data: file.data };
  });
  const created: { file: string; folder: boolean }[] = [];
  try {
    const missing: string[] = [];
    for (let current = root; !(await existing(stat, current)); current = path.dirname(current)) {
      missing.unshift(current);
      if (path.dirname(current) === current) break;
    }
    for (const folder of missing) {
      await mkdir(folder);
      created.push({ file: folder, folder: true });
    }
    for (const { parts } of targets) {
      for (let i = 1; i <= parts.length; i++) {
        const file = path.join(root, ...parts.slice(0, i));
        const info = await existing(lstat, file);
        if (!info) break;
        if (info.isSymbolicLink()) throw new Error(`${file} is a symbolic link: the export never writes through one (remove it)`);
        if (i < parts.length && !info.isDirectory()) throw new Error(`${file} is in the way: it is not a folder`);
        if (i === parts.length && !info.isFile()) throw new Error(`${file} is in the way: it is not a plain file`);
        if (i === parts.length && !force) throw new Error(`${file} is already there (--force replaces it)`);
      }
    }
    for (const { parts, data } of targets) {
      let folder = root;
      for (const part of parts.slice(0, -1)) {
        folder = path.join(folder, part);
        if (!(await existing(lstat, folder))) {
          await mkdir(folder);
          created.push({ file: folder, folder: true });
        }
      }
      const file = path.join(root, ...parts);
      if (force && (await existing(lstat, file))) await unlink(file);
      const handle = await open(file, CREATE_NEW, 0o644);
      created.push({ file, folder: false });
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    for (const { file, folder } of created.reverse()) await (folder ? rmdir(file) : unlink(file)).catch(() => undefined);
    throw error;
  }
}

/** A tfjs model folder (or its model.json) as model.json's text and its one weights file. */
export async function readModelFolder(dirOrModelJson: string): Promise<TfjsModelFiles> {
  const modelPath = dirOrModelJson.endsWith('.json') ? dirOrModelJson : path.join(dirOrModelJson, 'model.json');
  const modelJson = await readFile(modelPath, 'utf8');
  const manifest = (JSON.parse(modelJson) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  const paths = manifest.flatMap((group) => group.paths);
  if (paths.length !== 1) throw new Error(`${modelPath}: the export takes models with one weights file (this one has ${paths.length})`);
  return { modelJson, weights: new Uint8Array(await readFile(path.join(path.dirname(modelPath), paths[0]))) };
}

/** Write the export; the teacher's folder is read when the run uses one, the dataset from public/. Everything is read before anything is written. */
export async function writePytorchExport(dir: string, input: Omit<PytorchExportInput, 'teacher' | 'datasetFiles'>, teacherDir: string | null, force = false): Promise<string[]> {
  const teacher = teacherDir ? await readModelFolder(teacherDir) : null;
  const datasetFiles = await Promise.all(
    datasetFilePaths(input.config.dataset).map(async ({ name, path: file }) => ({ path: name, data: new Uint8Array(await readFile(path.join(PUBLIC_DIR, file))) })),
  );
  const files = pytorchExportFiles({ ...input, teacher, datasetFiles });
  await writeExportFiles(dir, files, force);
  return files.map((file) => file.path);
}
