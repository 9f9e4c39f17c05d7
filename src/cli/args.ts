// Command-line flags -> ExperimentConfig (docs/ARCHITECTURE.md §4.3). The knobs' flags come from the
// knob table (knobFlags.ts), the CLI's own from OPTION_FLAGS; every refusal is one line naming the flag.
import { CURVE_EVAL_SAMPLES, DEFAULT_CONFIG, type DistillTerm, type ExperimentConfig, usesTeacher, validateConfig } from '../train/config';
import { getMethod, hasMethod, METHODS } from '../kd';
import { readsLayers } from '../kd/methods';
import { BUILTIN_DATASETS } from '../data/registry';
import { ARCHITECTURES } from '../models/architectures';
import { omittedClassesProblem } from '../data/split';
import { exportProblem } from '../export/pytorchExport';
import { DATASET_FORMATS, type DatasetFormat } from '../data/files/read';
import { parseImageSize } from '../data/files/imageSize';
import { datasetNameFromPath } from '../data/files/source';
import { uploadedDatasetId } from '../data/uploaded';
import { parseInteger, parseNumber, UsageError } from './flagValues';
import { KNOB_FLAGS, knobUsageLines, readKnobFlag } from './knobFlags';

export { UsageError } from './flagValues';

export interface CliOptions {
  config: ExperimentConfig;
  /** A teacher directory or model.json path, when --teacher is a path. */
  teacherPath?: string;
  save?: string;
  json?: string;
  /** --export-pytorch DIR: the run as a PyTorch folder (train.py, weights, config.json). */
  exportPytorch?: string;
  /** --force: --export-pytorch may write into a folder that is not empty. */
  force?: boolean;
  quiet: boolean;
  help: boolean;
  /** wasm (the default: XNNPACK with SIMD and the lab's own training kernels) or cpu (tfjs' cpu kernels, on which the golden values were checked). */
  backend: 'cpu' | 'wasm';
  /** --threads: wasm's threads for tfjs' convolutions and matrix products (default: one per core, at most 8). */
  threads?: number;
  /** --dataset-file: the user's dataset (a file or a folder) instead of a shipped one. */
  datasetFile?: string;
  datasetFormat?: DatasetFormat;
  /** --image-size: the [height, width] an image folder is resized to (default: its most common size, at most 64×64). */
  imageSize?: [number, number];
}

/** --help as written: every flag in its own words (the knob table adds a line for a knob it does not name). */
const WRITTEN_USAGE = `Usage: npm run train -- [flags]
  --dataset ID          ${BUILTIN_DATASETS.map((d) => d.id).join(' | ')} (default ${DEFAULT_CONFIG.dataset})
  --dataset-file PATH   your own data instead: a CIFAR-10/100 binary .tar.gz or .bin files, IDX image +
                        label files (a folder, gzipped or not), a folder or .zip of class subfolders
                        of PNG/JPEG images, or a CSV (label column + pixel columns); the format is
                        recognised, or forced with --dataset-format cifar|idx|folder|csv. The run
                        needs --method none or --teacher DIR (a model trained on that data)
  --image-size N|HxW    an image folder's images are resized to this (default: the most common
                        size, at most 64×64)
  --student ID          ${ARCHITECTURES.map((a) => a.id).join(' | ')} (default ${DEFAULT_CONFIG.student});
                        the teacher-* ones are teachers: train one with --method none (--save DIR keeps it)
  --teacher ID|PATH     a shipped teacher id or a directory with model.json (default: the dataset's teacher)
  --method ID           ${METHODS.map((m) => m.id).join(' | ')} (default kd)
  --temperature T       shorthand for --param temperature=T
  --param NAME=VALUE    a method parameter (repeatable); in a recipe METHOD.NAME=VALUE (a plain
                        NAME sets it on every term that has it)
  --kd-ratio R          weight of the distillation term. kd: the soft-label share r in [0, 1], trained as
                        (1-r)·CE + r·KD (1 = soft labels only); every other method trains CE + r·term
                        (default: the method's reference weight)
  --student-layers L    student layers the method reads, comma-separated (e.g. block2,block3), paired
  --teacher-layers L    by position with the teacher's; default: the method's reference choice;
                        in a recipe METHOD=L. Layers: blockN, embedding, logits
  --recipe SPEC         several terms at once, each with its weight: kd:0.9,at:1000 (a term without
                        a weight gets its reference weight); replaces --method and --kd-ratio
  --peer-student ID     dml: the second student's architecture (default: the same as --student)
  --labelled-fraction F only this share (0, 1] of training samples keeps its label; the others are
                        seen only through the teacher (distillation terms, no CE): soft labels plus
                        unlabelled images, so KD sees 1/F times more images than there are labels
  --tta-shift N         test-time augmentation: also report test accuracy / MPA averaging the softmax
                        over the image and its shifts by ±N pixels along x and y (N = 1, 2, 3; 0 = off)
  --ema-decay D         keep an exponential moving average of the student's weights (D in (0, 1), e.g.
                        0.999; 0 = off); evaluations use it and the saved model is the average. It
                        averages over about 1/(1-D) steps (0.999: 1,000), whatever the run's length
  --rdrop-alpha A       R-Drop: two passes with dropout 0.1 on the student's embedding, CE averaged,
                        plus A · symmetric KL between them (0 = off)
  --optimizer adam|sgd  --lr X  --momentum M  --weight-decay W  --lr-schedule constant|cosine
  --batch-size N  --seed N  --augment
  --epochs N            passes over the training set (default ${DEFAULT_CONFIG.epochs})
  --steps N             a step budget instead: exactly N steps, as many epochs as that takes
                        (give --epochs or --steps, not both)
  --eval-every STEPS    evaluate every STEPS steps on the first ${CURVE_EVAL_SAMPLES.toLocaleString('en')} val and test samples (the
                        history's points) and once at the end on the whole val and test splits
  --omit-classes C[,C]  leave these classes out of the training (transfer) set; the teacher, val and
                        test keep them (Hinton 2015 §3); the result reports their test accuracy
                        before and after a logit bias chosen on val
  --train-limit N       train on the first N training samples only
  --val-limit N         score validation on the first N validation samples only
  --test-limit N        score the test on the first N test samples only (validation is not limited)
  --save DIR            write the trained model (model.json, weights.bin, card.json)
  --json FILE           write the result as JSON
  --export-pytorch DIR  after the run, write it as a PyTorch folder: train.py (python train.py, or
                        torchrun for DDP as its README.md shows), the teacher, the student's
                        initial and trained weights, the dataset files, config.json, README.md;
                        DIR must be new or empty
  --force               --export-pytorch may write into a folder that is not empty (its files of
                        the same names are replaced; a symbolic link in the way is refused)
  --quiet               no progress bar
  --backend wasm|cpu    wasm (default: XNNPACK with SIMD and the lab's own training kernels, about
                        6× the cpu path here) or cpu (tfjs' cpu kernels: the seed tables in
                        docs/benchmark.md were computed on it; the two agree up to float rounding)
  --threads N           wasm's threads (default: one per core, at most 8; 1: the single-threaded
                        build); the numbers do not depend on it`;

export const USAGE = [WRITTEN_USAGE, ...knobUsageLines(WRITTEN_USAGE)].join('\n');

/** "block2,block3" (or "at=block2,block3" when qualified) -> the term it names and the layers. */
function parseLayers(flag: string, raw: string): { method?: string; layers: string[] } {
  const match = /^(?:([a-z]+)=)?(.*)$/.exec(raw)!;
  const layers = match[2].split(',').map((name) => name.trim());
  if (layers.some((name) => !/^[A-Za-z_][\w/.-]*$/.test(name))) {
    throw new UsageError(`${flag} expects layer names separated by commas (e.g. block2,block3), got "${raw}"`);
  }
  return { method: match[1], layers };
}

/** "kd:0.9,at:1000" or "kd,at" -> terms with their weights (the reference weight when omitted). */
function parseRecipe(raw: string): DistillTerm[] {
  return raw.split(',').map((part) => {
    const [id, weight, extra] = part.trim().split(':');
    if (!id || extra !== undefined) throw new UsageError(`--recipe expects METHOD[:WEIGHT],... (e.g. kd:0.9,at:1000), got "${raw}"`);
    if (!hasMethod(id)) throw new UsageError(`--recipe: unknown method "${id}" (known: ${METHODS.map((m) => m.id).join(', ')})`);
    return { method: id, weight: weight === undefined ? getMethod(id).defaultWeight : parseNumber(`--recipe ${id}`, weight), params: {} };
  });
}

function assignParam(term: DistillTerm, name: string, value: number, flag: string): void {
  const method = getMethod(term.method);
  if (!method.params.some((p) => p.name === name)) {
    const known = method.params.map((p) => p.name).join(', ') || 'none';
    throw new UsageError(`${flag}: method "${method.id}" has no such parameter (its parameters: ${known})`);
  }
  term.params[name] = value;
}

/** What the flags say before they are judged together. */
interface Parsing {
  config: ExperimentConfig;
  options: Omit<CliOptions, 'config'>;
  /** Unqualified --param NAME=VALUE (and --temperature). */
  params: Record<string, number>;
  qualifiedParams: QualifiedParam[];
  layerFlags: LayerFlag[];
  recipe: DistillTerm[] | null;
}

interface QualifiedParam {
  method: string;
  name: string;
  value: number;
}

interface LayerFlag {
  flag: '--student-layers' | '--teacher-layers';
  method?: string;
  layers: string[];
}

/** A flag of the CLI's own (not a knob): `value` takes its argument; a flag without one does not call it. */
type OptionFlag = (parsing: Parsing, value: () => string) => void;

function datasetFormat(value: string): DatasetFormat {
  if (!(DATASET_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--dataset-format must be ${DATASET_FORMATS.join(', ')}, got "${value}"`);
  return value as DatasetFormat;
}

function imageSize(value: string): [number, number] {
  try {
    return parseImageSize(value);
  } catch (error) {
    throw new UsageError(`--image-size: ${(error as Error).message}`);
  }
}

/** --param NAME=VALUE or METHOD.NAME=VALUE. */
function readParam(parsing: Parsing, value: string): void {
  const match = /^(?:([a-z]+)\.)?([A-Za-z][\w]*)=(.+)$/.exec(value);
  if (!match) throw new UsageError(`--param expects NAME=VALUE (or METHOD.NAME=VALUE), got "${value}"`);
  const [, method, name, text] = match;
  const number = parseNumber(`--param ${method ? `${method}.` : ''}${name}`, text);
  if (method) parsing.qualifiedParams.push({ method, name, value: number });
  else parsing.params[name] = number;
}

function peerStudent(value: string): string {
  if (!ARCHITECTURES.some((a) => a.id === value)) {
    throw new UsageError(`--peer-student: unknown architecture "${value}" (known: ${ARCHITECTURES.map((a) => a.id).join(', ')})`);
  }
  return value;
}

function omitClasses(value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value)) throw new UsageError(`--omit-classes expects class indices separated by commas (e.g. 3 or 3,5), got "${value}"`);
  return value.split(',').map(Number);
}

function backend(value: string): CliOptions['backend'] {
  if (value !== 'cpu' && value !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, got "${value}"`);
  return value;
}

function threads(value: string): number {
  const count = parseInteger('--threads', value);
  if (count < 1 || count > 8) throw new UsageError(`--threads must be from 1 to 8, got ${count}`);
  return count;
}

/** The CLI's own flags; the knobs' flags come from the knob table (knobFlags.ts). */
const OPTION_FLAGS: ReadonlyMap<string, OptionFlag> = new Map<string, OptionFlag>([
  ['--dataset-file', (p, value) => (p.options.datasetFile = value())],
  ['--dataset-format', (p, value) => (p.options.datasetFormat = datasetFormat(value()))],
  ['--image-size', (p, value) => (p.options.imageSize = imageSize(value()))],
  ['--temperature', (p, value) => (p.params.temperature = parseNumber('--temperature', value()))],
  ['--param', (p, value) => readParam(p, value())],
  ['--student-layers', (p, value) => p.layerFlags.push({ flag: '--student-layers', ...parseLayers('--student-layers', value()) })],
  ['--teacher-layers', (p, value) => p.layerFlags.push({ flag: '--teacher-layers', ...parseLayers('--teacher-layers', value()) })],
  ['--recipe', (p, value) => (p.recipe = parseRecipe(value()))],
  ['--peer-student', (p, value) => (p.config.peerStudent = peerStudent(value()))],
  ['--omit-classes', (p, value) => (p.config.omitClasses = omitClasses(value()))],
  ['--save', (p, value) => (p.options.save = value())],
  ['--json', (p, value) => (p.options.json = value())],
  ['--export-pytorch', (p, value) => (p.options.exportPytorch = value())],
  ['--force', (p) => (p.options.force = true)],
  ['--quiet', (p) => (p.options.quiet = true)],
  ['--backend', (p, value) => (p.options.backend = backend(value()))],
  ['--threads', (p, value) => (p.options.threads = threads(value()))],
  ['--help', (p) => (p.options.help = true)],
  ['-h', (p) => (p.options.help = true)],
]);

/** A --teacher value that names a folder or a model.json rather than a shipped teacher. */
const isTeacherPath = (value: string) => value.includes('/') || value.endsWith('.json');

export function parseArgs(argv: readonly string[]): CliOptions {
  const parsing: Parsing = {
    config: { ...DEFAULT_CONFIG, params: {} },
    options: { quiet: false, help: false, backend: 'wasm' },
    params: {},
    qualifiedParams: [],
    layerFlags: [],
    recipe: null,
  };
  const { config, options } = parsing;
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    given.add(flag);
    const knob = KNOB_FLAGS.get(flag);
    const option = OPTION_FLAGS.get(flag);
    if (knob) readKnobFlag(knob, flag, value, config);
    else if (option) option(parsing, value);
    else throw new UsageError(`Unknown flag "${flag}" (see --help)`);
    if (knob?.key === 'teacher' && isTeacherPath(config.teacher)) options.teacherPath = config.teacher;
  }
  checkFlagsGoTogether(options);
  if (options.datasetFile) {
    if (given.has('--dataset')) throw new UsageError('--dataset and --dataset-file both name the data: give one');
    // The run is named after the file as the page names an upload; its classes are known once it is read (run.ts checks --omit-classes then).
    config.dataset = uploadedDatasetId(datasetNameFromPath(options.datasetFile));
  } else if (!BUILTIN_DATASETS.some((d) => d.id === config.dataset)) {
    throw new UsageError(`--dataset: unknown dataset "${config.dataset}" (known: ${BUILTIN_DATASETS.map((d) => d.id).join(', ')})`);
  }
  const omitProblem = config.omitClasses && !options.datasetFile ? omittedClassesProblem(config.omitClasses, BUILTIN_DATASETS.find((d) => d.id === config.dataset)!) : null;
  if (omitProblem) throw new UsageError(`--omit-classes: ${omitProblem}`);
  if (!hasMethod(config.method)) {
    throw new UsageError(`--method: unknown method "${config.method}" (known: ${METHODS.map((m) => m.id).join(', ')})`);
  }
  if (parsing.recipe) applyRecipe(config, parsing.recipe, given, parsing.params, parsing.qualifiedParams, parsing.layerFlags);
  else applySingleMethod(parsing, given);
  if (config.peerStudent !== undefined && getMethod(config.method).kind !== 'mutual') {
    throw new UsageError('--peer-student is for --method dml only');
  }
  if (given.has('--epochs') && given.has('--steps')) throw new UsageError('--epochs and --steps both set the run\'s length: give one (--steps wins over the default epochs)');
  if (!given.has('--teacher')) config.teacher = `${config.dataset}-teacher-cnn`;
  if (options.datasetFile && usesTeacher(config) && !options.teacherPath) {
    throw new UsageError(`--dataset-file: method "${config.method}" needs a teacher trained on this data: give --teacher DIR (a folder with model.json), or --method none`);
  }
  const problems = validateConfig(config);
  if (problems.length > 0) throw new UsageError(problems[0].message);
  const exportRefusal = options.exportPytorch ? exportProblem(config) : null;
  if (exportRefusal) throw new UsageError(`--export-pytorch: ${exportRefusal}`);
  return { config, ...options };
}

/** Flags that only mean something beside another one. */
function checkFlagsGoTogether(options: Omit<CliOptions, 'config'>): void {
  if (options.force && !options.exportPytorch) throw new UsageError('--force is for --export-pytorch');
  if (options.threads !== undefined && options.backend !== 'wasm') throw new UsageError('--threads is for --backend wasm');
  if (options.datasetFormat && !options.datasetFile) throw new UsageError('--dataset-format is for --dataset-file');
  if (options.imageSize && !options.datasetFile) throw new UsageError('--image-size is for --dataset-file (an image folder or .zip)');
}

/** One method: its parameters (qualified ones must name it), its layers, and its reference weight unless --kd-ratio gave one. */
function applySingleMethod({ config, params, qualifiedParams, layerFlags }: Parsing, given: ReadonlySet<string>): void {
  const method = getMethod(config.method);
  const term: DistillTerm = { method: method.id, weight: 0, params: {} };
  for (const [name, value] of Object.entries(params)) assignParam(term, name, value, `--param ${name}`);
  for (const { method: id, name, value } of qualifiedParams) {
    if (id !== method.id) throw new UsageError(`--param ${id}.${name}: the method is "${method.id}" (use --recipe to combine methods)`);
    assignParam(term, name, value, `--param ${id}.${name}`);
  }
  for (const { flag, method: id, layers } of layerFlags) {
    if (id !== undefined && id !== method.id) throw new UsageError(`${flag} ${id}=...: the method is "${method.id}" (use --recipe to combine methods)`);
    if (!readsLayers(method)) throw new UsageError(`${flag}: method "${method.id}" reads only the logits and takes no layers`);
    if (flag === '--student-layers') config.studentLayers = layers;
    else config.teacherLayers = layers;
  }
  config.params = term.params;
  if (!given.has('--kd-ratio')) config.kdRatio = method.kind === 'none' ? 0 : method.defaultWeight;
}

/** --recipe: the terms get their qualified parameters and layers; plain parameter names go to every term that has them. */
function applyRecipe(
  config: ExperimentConfig,
  terms: DistillTerm[],
  given: ReadonlySet<string>,
  params: Record<string, number>,
  qualifiedParams: readonly QualifiedParam[],
  layerFlags: readonly LayerFlag[],
): void {
  for (const flag of ['--method', '--kd-ratio']) {
    if (given.has(flag)) throw new UsageError(`${flag} cannot be combined with --recipe (the recipe names the methods and their weights)`);
  }
  const termOf = (flag: string, id: string) => {
    const term = terms.find((t) => t.method === id);
    if (!term) throw new UsageError(`${flag}: the recipe has no term "${id}" (its terms: ${terms.map((t) => t.method).join(', ')})`);
    return term;
  };
  for (const [name, value] of Object.entries(params)) {
    const owners = terms.filter((term) => getMethod(term.method).params.some((p) => p.name === name));
    if (owners.length === 0) throw new UsageError(`--param ${name}: no method of the recipe has such a parameter (write METHOD.${name}=VALUE)`);
    for (const term of owners) term.params[name] = value;
  }
  for (const { method, name, value } of qualifiedParams) assignParam(termOf(`--param ${method}.${name}`, method), name, value, `--param ${method}.${name}`);
  for (const { flag, method, layers } of layerFlags) {
    let term: DistillTerm;
    if (method !== undefined) term = termOf(flag, method);
    else {
      const readers = terms.filter((t) => readsLayers(getMethod(t.method)));
      if (readers.length !== 1) throw new UsageError(`${flag}: name the term it is for (e.g. ${flag} at=block1,block2)`);
      term = readers[0];
    }
    if (!readsLayers(getMethod(term.method))) throw new UsageError(`${flag}: method "${term.method}" reads only the logits and takes no layers`);
    if (flag === '--student-layers') term.studentLayers = layers;
    else term.teacherLayers = layers;
  }
  config.terms = terms;
  config.method = terms[0].method;
  config.kdRatio = terms[0].weight;
  config.params = { ...terms[0].params };
}
