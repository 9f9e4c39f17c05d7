// "Export as PyTorch" on the page: a run (or the configuration alone) as a .zip of the folder
// src/export/pytorchExport.ts describes. The page fetches the shipped teacher's and the dataset's
// files from their static paths (the worker is not asked), adds the trained student when there is
// one, and zips them without compression (src/export/zip.ts). No tfjs here.
import { datasetFilePaths, exportProblem, pytorchExportFiles, type ExportFile, type TfjsModelFiles } from '../export/pytorchExport';
import { zipStore } from '../export/zip';
import { teacherModelPath } from '../models/catalog';
import { usesTeacher, type DistillTerm, type ExperimentConfig } from '../train/config';
import { exportStudent } from './studentFiles';

export interface PytorchExportRequest {
  config: ExperimentConfig;
  /** The terms as the run trained them (its result's), when it ran. */
  terms?: readonly DistillTerm[];
  /** The trained student, already at hand (a Compare row keeps it). */
  student?: { modelJson: string; weights: ArrayBuffer } | null;
  /** A Lab run whose student the worker still holds: asked of it with exportStudent. */
  runId?: string;
  /** The run's result, shown beside train.py's own numbers. */
  labResult?: unknown;
  origin: string;
}

function baseUrl(): string {
  return new URL(import.meta.env.BASE_URL, window.location.href).href;
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const response = await fetch(new URL(path, baseUrl()));
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function shippedTeacher(id: string): Promise<TfjsModelFiles> {
  const modelPath = teacherModelPath(id);
  let modelJson: string;
  try {
    modelJson = new TextDecoder().decode(await fetchBytes(modelPath));
    JSON.parse(modelJson);
  } catch {
    throw new Error(`The teacher "${id}" is not a shipped teacher: an uploaded teacher cannot be exported from the page (the CLI's --export-pytorch takes its folder)`);
  }
  const manifest = (JSON.parse(modelJson) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  const folder = modelPath.slice(0, modelPath.lastIndexOf('/') + 1);
  return { modelJson, weights: await fetchBytes(folder + manifest[0].paths[0]) };
}

/** The export as a zip, or the reason it cannot be made (one sentence for the page). */
export async function pytorchExportZip(request: PytorchExportRequest): Promise<{ blob: Blob; name: string } | { error: string }> {
  const { config } = request;
  const problem = exportProblem(config);
  if (problem) return { error: problem };
  try {
    const teacher = usesTeacher(config) ? await shippedTeacher(config.teacher) : null;
    let student = request.student ?? null;
    if (!student && request.runId) student = (await exportStudent(request.runId)).files;
    const datasetFiles: ExportFile[] = await Promise.all(datasetFilePaths(config.dataset).map(async ({ name, path }) => ({ path: name, data: await fetchBytes(path) })));
    const files = pytorchExportFiles({
      config,
      terms: request.terms,
      teacher,
      studentTrained: student ? { modelJson: student.modelJson, weights: new Uint8Array(student.weights) } : null,
      datasetFiles,
      labResult: request.labResult,
      origin: request.origin,
    });
    const folder = `pytorch-${config.dataset}-${config.terms ? 'recipe' : config.method}-seed${config.seed}`;
    const archive = zipStore(files.map((file) => ({ path: `${folder}/${file.path}`, data: file.data })));
    return { blob: new Blob([archive], { type: 'application/zip' }), name: `${folder}.zip` };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
