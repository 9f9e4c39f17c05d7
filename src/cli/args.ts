// Command-line flags -> ExperimentConfig. Every refusal is one line naming the flag.
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
  /** cpu (the default: the kernels the golden values and the PyTorch comparison were checked on) or wasm (XNNPACK, about 3× faster here). */
  backend: 'cpu' | 'wasm';
  /** --threads: wasm's threads for tfjs' convolutions and matrix products (default: one per core, at most 8). */
  threads?: number;
  /** --dataset-file: the user's dataset (a file or a folder) instead of a shipped one. */
  datasetFile?: string;
  datasetFormat?: DatasetFormat;
  /** --image-size: the [height, width] an image folder is resized to (default: its most common size, at most 64×64). */
  imageSize?: [number, number];
}

export class UsageError extends Error {}

const NUMBER_FLAGS: Record<string, keyof ExperimentConfig> = {
  '--kd-ratio': 'kdRatio',
  '--lr': 'lr',
  '--momentum': 'momentum',
  '--weight-decay': 'weightDecay',
  '--batch-size': 'batchSize',
  '--epochs': 'epochs',
  '--steps': 'steps',
  '--seed': 'seed',
  '--train-limit': 'trainLimit',
  '--val-limit': 'valLimit',
  '--test-limit': 'testLimit',
  '--eval-every': 'evalEvery',
  '--labelled-fraction': 'labelledFraction',
  '--tta-shift': 'ttaShift',
  '--ema-decay': 'emaDecay',
  '--rdrop-alpha': 'rdropAlpha',
};

/** Flags that take whole numbers: 100.5 is refused, not cut to 100. */
const INTEGER_FLAGS: ReadonlySet<string> = new Set(['--batch-size', '--epochs', '--steps', '--seed', '--train-limit', '--val-limit', '--test-limit', '--eval-every', '--tta-shift']);

export const USAGE = `Usage: npm run train -- [flags]
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

/** Decimal numbers only: Number() would also read "0x10" as 16, "0b11" as 3 and "" as 0. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(flag: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  const value = Number(raw);
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} expects a number, got "${raw}"${/^[+-]?0[box]/i.test(raw.trim()) ? ' (decimal digits only)' : ''}`);
  }
  return value;
}

function parseInteger(flag: string, raw: string | undefined): number {
  const value = parseNumber(flag, raw);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} expects a whole number, got "${raw}"`);
  return value;
}

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

export function parseArgs(argv: readonly string[]): CliOptions {
  const config: ExperimentConfig = { ...DEFAULT_CONFIG, params: {} };
  const given = new Set<string>();
  const params: Record<string, number> = {};
  const qualifiedParams: { method: string; name: string; value: number }[] = [];
  const layerFlags: { flag: '--student-layers' | '--teacher-layers'; method?: string; layers: string[] }[] = [];
  let recipe: DistillTerm[] | null = null;
  const options: Omit<CliOptions, 'config'> = { quiet: false, help: false, backend: 'wasm' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return value;
    };
    given.add(flag);
    if (flag in NUMBER_FLAGS) {
      const raw = argv[++i];
      (config as unknown as Record<string, number>)[NUMBER_FLAGS[flag]] = INTEGER_FLAGS.has(flag) ? parseInteger(flag, raw) : parseNumber(flag, raw);
      continue;
    }
    switch (flag) {
      case '--dataset':
        config.dataset = next();
        break;
      case '--dataset-file':
        options.datasetFile = next();
        break;
      case '--dataset-format': {
        const value = next();
        if (!(DATASET_FORMATS as readonly string[]).includes(value)) throw new UsageError(`--dataset-format must be ${DATASET_FORMATS.join(', ')}, got "${value}"`);
        options.datasetFormat = value as DatasetFormat;
        break;
      }
      case '--image-size': {
        const value = next();
        try {
          options.imageSize = parseImageSize(value);
        } catch (error) {
          throw new UsageError(`--image-size: ${(error as Error).message}`);
        }
        break;
      }
      case '--student':
        config.student = next();
        break;
      case '--teacher': {
        const value = next();
        if (value.includes('/') || value.endsWith('.json')) options.teacherPath = value;
        config.teacher = value;
        break;
      }
      case '--method':
        config.method = next();
        break;
      case '--temperature':
        params.temperature = parseNumber(flag, argv[++i]);
        break;
      case '--param': {
        const value = next();
        const match = /^(?:([a-z]+)\.)?([A-Za-z][\w]*)=(.+)$/.exec(value);
        if (!match) throw new UsageError(`--param expects NAME=VALUE (or METHOD.NAME=VALUE), got "${value}"`);
        const [, method, name, text] = match;
        const number = parseNumber(`--param ${method ? `${method}.` : ''}${name}`, text);
        if (method) qualifiedParams.push({ method, name, value: number });
        else params[name] = number;
        break;
      }
      case '--student-layers':
      case '--teacher-layers':
        layerFlags.push({ flag, ...parseLayers(flag, next()) });
        break;
      case '--recipe':
        recipe = parseRecipe(next());
        break;
      case '--peer-student': {
        const value = next();
        if (!ARCHITECTURES.some((a) => a.id === value)) {
          throw new UsageError(`--peer-student: unknown architecture "${value}" (known: ${ARCHITECTURES.map((a) => a.id).join(', ')})`);
        }
        config.peerStudent = value;
        break;
      }
      case '--optimizer': {
        const value = next();
        if (value !== 'adam' && value !== 'sgd') throw new UsageError(`--optimizer must be adam or sgd, got "${value}"`);
        config.optimizer = value;
        break;
      }
      case '--lr-schedule': {
        const value = next();
        if (value !== 'constant' && value !== 'cosine') throw new UsageError(`--lr-schedule must be constant or cosine, got "${value}"`);
        config.lrSchedule = value;
        break;
      }
      case '--augment':
        config.augment = true;
        break;
      case '--omit-classes': {
        const value = next();
        if (!/^\d+(,\d+)*$/.test(value)) throw new UsageError(`--omit-classes expects class indices separated by commas (e.g. 3 or 3,5), got "${value}"`);
        config.omitClasses = value.split(',').map(Number);
        break;
      }
      case '--save':
        options.save = next();
        break;
      case '--json':
        options.json = next();
        break;
      case '--export-pytorch':
        options.exportPytorch = next();
        break;
      case '--force':
        options.force = true;
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '--backend': {
        const value = next();
        if (value !== 'cpu' && value !== 'wasm') throw new UsageError(`--backend must be cpu or wasm, got "${value}"`);
        options.backend = value;
        break;
      }
      case '--threads': {
        const threads = parseInteger(flag, next());
        if (threads < 1 || threads > 8) throw new UsageError(`--threads must be from 1 to 8, got ${threads}`);
        options.threads = threads;
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`Unknown flag "${flag}" (see --help)`);
    }
  }
  if (options.force && !options.exportPytorch) throw new UsageError('--force is for --export-pytorch');
  if (options.threads !== undefined && options.backend !== 'wasm') throw new UsageError('--threads is for --backend wasm');
  if (options.datasetFormat && !options.datasetFile) throw new UsageError('--dataset-format is for --dataset-file');
  if (options.imageSize && !options.datasetFile) throw new UsageError('--image-size is for --dataset-file (an image folder or .zip)');
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
  if (recipe) {
    applyRecipe(config, recipe, given, params, qualifiedParams, layerFlags);
  } else {
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

/** --recipe: the terms get their qualified parameters and layers; plain parameter names go to every term that has them. */
function applyRecipe(
  config: ExperimentConfig,
  terms: DistillTerm[],
  given: ReadonlySet<string>,
  params: Record<string, number>,
  qualifiedParams: readonly { method: string; name: string; value: number }[],
  layerFlags: readonly { flag: '--student-layers' | '--teacher-layers'; method?: string; layers: string[] }[],
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
