// `--export-pytorch DIR`: the run as a PyTorch folder (src/export/pytorchExport.ts builds the
// files; this writes them, with the teacher's files and the dataset's from disk).
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { datasetFilePaths, pytorchExportFiles, type PytorchExportInput, type TfjsModelFiles } from '../export/pytorchExport';
import { errorMessage } from '../core/errors';
import { PUBLIC_DIR } from './nodeFiles';

/** Checked before training, as --save: a folder that cannot be written must not cost the run. */
export async function checkExportFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.distillation-lab-probe-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new Error(`--export-pytorch ${dir}: cannot write there (${errorMessage(error)})`);
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

/** Write the export; the teacher's folder is read when the run uses one, the dataset from public/. */
export async function writePytorchExport(dir: string, input: Omit<PytorchExportInput, 'teacher' | 'datasetFiles'>, teacherDir: string | null): Promise<string[]> {
  const teacher = teacherDir ? await readModelFolder(teacherDir) : null;
  const datasetFiles = await Promise.all(
    datasetFilePaths(input.config.dataset).map(async ({ name, path: file }) => ({ path: name, data: new Uint8Array(await readFile(path.join(PUBLIC_DIR, file))) })),
  );
  const files = pytorchExportFiles({ ...input, teacher, datasetFiles });
  for (const file of files) {
    const target = path.join(dir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.data);
  }
  return files.map((file) => file.path);
}
