// Command-line flags -> ExperimentConfig. Every refusal is one line naming the flag.
import { DEFAULT_CONFIG, type ExperimentConfig, validateConfig } from '../train/config';
import { getMethod, hasMethod, METHODS } from '../kd';
import { BUILTIN_DATASETS } from '../data/registry';

export interface CliOptions {
  config: ExperimentConfig;
  /** A teacher directory or model.json path, when --teacher is a path. */
  teacherPath?: string;
  save?: string;
  json?: string;
  quiet: boolean;
  help: boolean;
}

export class UsageError extends Error {}

const NUMBER_FLAGS: Record<string, keyof ExperimentConfig> = {
  '--kd-ratio': 'kdRatio',
  '--lr': 'lr',
  '--momentum': 'momentum',
  '--weight-decay': 'weightDecay',
  '--batch-size': 'batchSize',
  '--epochs': 'epochs',
  '--seed': 'seed',
  '--train-limit': 'trainLimit',
  '--test-limit': 'testLimit',
  '--eval-every': 'evalEvery',
};

export const USAGE = `Usage: npm run train -- [flags]
  --dataset ID          ${BUILTIN_DATASETS.map((d) => d.id).join(' | ')} (default ${DEFAULT_CONFIG.dataset})
  --student ID          mlp | tiny-cnn | small-cnn | teacher-cnn (default tiny-cnn)
  --teacher ID|PATH     a shipped teacher id or a directory with model.json (default: the dataset's teacher)
  --method ID           ${METHODS.map((m) => m.id).join(' | ')} (default kd)
  --temperature T       shorthand for --param temperature=T
  --param NAME=VALUE    a method parameter (repeatable)
  --kd-ratio R          weight of the distillation term (DESIGN §4.2)
  --optimizer adam|sgd  --lr X  --momentum M  --weight-decay W  --lr-schedule constant|cosine
  --batch-size N  --epochs N  --seed N  --augment  --eval-every STEPS
  --train-limit N  --test-limit N      use the first N samples (quick runs)
  --save DIR            write the trained model (model.json, weights.bin, card.json)
  --json FILE           write the result as JSON
  --quiet               no progress bar`;

function parseNumber(flag: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} expects a number, got "${raw}"`);
  return value;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const config: ExperimentConfig = { ...DEFAULT_CONFIG, params: {} };
  const given = new Set<string>();
  const params: Record<string, number> = {};
  const options: Omit<CliOptions, 'config'> = { quiet: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return value;
    };
    given.add(flag);
    if (flag in NUMBER_FLAGS) {
      (config as unknown as Record<string, number>)[NUMBER_FLAGS[flag]] = parseNumber(flag, argv[++i]);
      continue;
    }
    switch (flag) {
      case '--dataset':
        config.dataset = next();
        break;
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
        const match = /^([A-Za-z][\w]*)=(.+)$/.exec(value);
        if (!match) throw new UsageError(`--param expects NAME=VALUE, got "${value}"`);
        params[match[1]] = parseNumber(`--param ${match[1]}`, match[2]);
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
      case '--save':
        options.save = next();
        break;
      case '--json':
        options.json = next();
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`Unknown flag "${flag}" (see --help)`);
    }
  }
  if (!BUILTIN_DATASETS.some((d) => d.id === config.dataset)) {
    throw new UsageError(`--dataset: unknown dataset "${config.dataset}" (known: ${BUILTIN_DATASETS.map((d) => d.id).join(', ')})`);
  }
  if (!hasMethod(config.method)) {
    throw new UsageError(`--method: unknown method "${config.method}" (known: ${METHODS.map((m) => m.id).join(', ')})`);
  }
  const method = getMethod(config.method);
  for (const name of Object.keys(params)) {
    if (!method.params.some((p) => p.name === name)) {
      const known = method.params.map((p) => p.name).join(', ') || 'none';
      throw new UsageError(`--param ${name}: method "${method.id}" has no such parameter (its parameters: ${known})`);
    }
  }
  config.params = params;
  if (!given.has('--teacher')) config.teacher = `${config.dataset}-teacher-cnn`;
  if (!given.has('--kd-ratio')) config.kdRatio = method.kind === 'none' ? 0 : method.defaultWeight;
  const problems = validateConfig(config);
  if (problems.length > 0) throw new UsageError(problems[0].message);
  return { config, ...options };
}
