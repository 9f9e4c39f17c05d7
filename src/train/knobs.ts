// The one table of experiment knobs: it drives the training controls, the defaults, the URL (the
// tensorflow/playground way) and the CLI's flags (docs/ARCHITECTURE.md §2). Method parameters come
// from each method's own metadata. Pure data, no tfjs: the page loads it (src/state/knobs.ts
// re-exports it) and so does the CLI, which sits below the page's state.
import { BUILTIN_DATASETS } from '../data/registry';
import { isUploadedDataset } from '../data/uploaded';
import { ARCHITECTURE_SPECS } from '../models/architectureSpecs';
import { METHODS } from '../kd/methods';
import { CURVE_EVAL_SAMPLES, KNOB_MAXIMA, type ExperimentConfig } from './config';

type KeysOfType<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T];

export type NumberKey = KeysOfType<ExperimentConfig, number | undefined>;
export type ChoiceKey = KeysOfType<ExperimentConfig, string>;

/**
 * What every knob says about the command line: its flag is the key in kebab case (kdRatio →
 * --kd-ratio, src/cli/knobFlags.ts), unless `cli` is false.
 */
interface KnobFlag {
  /** false: the command line has no flag for this knob. */
  cli?: false;
}

export interface NumberKnob extends KnobFlag {
  kind: 'number';
  key: NumberKey;
  url: string;
  label: string;
  help: string;
  testId: string;
  integer: boolean;
  /** Blank means "not set" (for example: use the whole training set). */
  optional?: boolean;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
  /** Method knobs that a paused or running experiment accepts through setKnobs. */
  live?: boolean;
}

export interface ChoiceKnob extends KnobFlag {
  kind: 'choice';
  key: ChoiceKey;
  url: string;
  label: string;
  testId: string;
  /** The accepted values; absent when the list is only known at run time (teachers). */
  options?: () => readonly string[];
  /** Other values the URL may name (a dataset read from the user's files, kept in this browser). */
  alsoAccepts?: (value: string) => boolean;
  /**
   * The command line refuses a value outside `options` as it reads the flag. Without it the value
   * is taken as given and judged with the rest of the run (a dataset file replaces --dataset, a
   * student may be a teacher's architecture, a teacher may be a folder).
   */
  flagChecksOptions?: true;
}

export interface BooleanKnob extends KnobFlag {
  kind: 'boolean';
  key: KeysOfType<ExperimentConfig, boolean | undefined>;
  url: string;
  label: string;
  help: string;
  testId: string;
}

export type Knob = NumberKnob | ChoiceKnob | BooleanKnob;

export const KNOBS: readonly Knob[] = [
  { kind: 'choice', key: 'dataset', url: 'dataset', label: 'Dataset', testId: 'dataset-select', options: () => BUILTIN_DATASETS.map((d) => d.id), alsoAccepts: isUploadedDataset },
  { kind: 'choice', key: 'student', url: 'student', label: 'Student', testId: 'student-select', options: () => ARCHITECTURE_SPECS.filter((a) => a.role === 'student').map((a) => a.id) },
  { kind: 'choice', key: 'teacher', url: 'teacher', label: 'Teacher', testId: 'teacher-select' },
  { kind: 'choice', key: 'method', url: 'method', label: 'Method', testId: 'method-select', options: () => METHODS.map((m) => m.id) },
  {
    kind: 'number', key: 'kdRatio', url: 'kd_ratio', label: 'kd_ratio', testId: 'kd-ratio-input', integer: false, min: 0, step: 0.05, live: true,
    help: 'kd: the soft-label share r from 0 to 1, trained as (1 − r)·CE + r·KD (0 = hard labels only, 1 = soft labels only). Other methods: a weight, CE + r·term.',
  },
  { kind: 'choice', key: 'optimizer', url: 'optimizer', label: 'Optimizer', testId: 'optimizer-select', options: () => ['adam', 'sgd'], flagChecksOptions: true },
  { kind: 'number', key: 'lr', url: 'lr', label: 'Learning rate', testId: 'lr-input', integer: false, min: 0, step: 0.0005, help: 'Step size of the optimizer.' },
  { kind: 'number', key: 'momentum', url: 'momentum', label: 'Momentum', testId: 'momentum-input', integer: false, min: 0, max: 0.999, step: 0.05, help: 'SGD momentum, in [0, 1).' },
  { kind: 'number', key: 'weightDecay', url: 'wd', label: 'Weight decay', testId: 'weight-decay-input', integer: false, min: 0, step: 0.0001, help: 'L2 penalty on every student weight (0 = off).' },
  { kind: 'choice', key: 'lrSchedule', url: 'schedule', label: 'LR schedule', testId: 'schedule-select', options: () => ['constant', 'cosine'], flagChecksOptions: true },
  { kind: 'number', key: 'batchSize', url: 'batch', label: 'Batch size', testId: 'batch-size-input', integer: true, min: 1, max: KNOB_MAXIMA.batchSize, step: 1, help: 'Samples per step; the last partial batch of an epoch is dropped.' },
  { kind: 'number', key: 'epochs', url: 'epochs', label: 'Epochs', testId: 'epochs-input', integer: true, min: 1, max: KNOB_MAXIMA.epochs, step: 1, help: 'Passes over the training set (ignored when Steps is set).' },
  {
    kind: 'number', key: 'steps', url: 'steps', label: 'Steps', testId: 'steps-input', integer: true, min: 1, max: KNOB_MAXIMA.steps, step: 10, optional: true,
    placeholder: 'from epochs', help: 'A step budget: when set, the run trains exactly this many steps and Epochs is ignored (blank = epochs × steps per epoch).',
  },
  { kind: 'number', key: 'seed', url: 'seed', label: 'Seed', testId: 'seed-input', integer: true, step: 1, help: 'Same seed, same initial weights and batch order.' },
  {
    // No flag: a headless run has no Finish to end it (Ctrl-C stops a CLI run, docs/cli.md).
    kind: 'boolean', key: 'untilStopped', url: 'until_stopped', label: 'Train until stopped', testId: 'until-stopped-input', cli: false,
    help: 'The run goes on past its epochs, at a constant learning rate, until you press Finish: time to move T or kd_ratio and watch the curves answer. Finish scores it on the whole val and test splits; the epochs are only the horizon of a warm-up.',
  },
  { kind: 'boolean', key: 'augment', url: 'augment', label: 'Augmentation (random shifts ±2 px)', testId: 'augment-input', help: 'Random shifts of up to 2 pixels, and left-right mirrors for colour images (never for grey ones: a mirrored digit is another glyph). With augmentation on, the teacher runs live on every batch instead of from its cache.' },
  {
    kind: 'number', key: 'trainLimit', url: 'train_limit', label: 'Training samples', testId: 'train-limit-input', integer: true, min: 1, max: KNOB_MAXIMA.samples, step: 1, optional: true,
    placeholder: 'all', help: 'Train on the first N training samples only (blank = all), for quick runs.',
  },
  {
    kind: 'number', key: 'valLimit', url: 'val_limit', label: 'Validation samples', testId: 'val-limit-input', integer: true, min: 1, max: KNOB_MAXIMA.samples, step: 1, optional: true,
    placeholder: 'all', help: 'Score validation on the first N validation samples only (blank = all).',
  },
  {
    kind: 'number', key: 'testLimit', url: 'test_limit', label: 'Test samples', testId: 'test-limit-input', integer: true, min: 1, max: KNOB_MAXIMA.samples, step: 1, optional: true,
    placeholder: 'all', help: 'Score the test on the first N test samples only (blank = all); validation has its own limit.',
  },
  {
    kind: 'number', key: 'evalEvery', url: 'eval_every', label: 'Evaluate every (steps)', testId: 'eval-every-input', integer: true, min: 1, max: KNOB_MAXIMA.evalEvery, step: 10,
    help: `Steps between the curve points (scored on the first ${CURVE_EVAL_SAMPLES.toLocaleString('en')} val and test samples); the final numbers are always on the whole splits.`,
  },
  {
    kind: 'number', key: 'labelledFraction', url: 'labelled_fraction', label: 'Labelled fraction', testId: 'labelled-fraction-input', integer: false, min: 0, max: 1, step: 0.05, optional: true,
    placeholder: '1',
    help: 'Share of training samples that keep their label, in (0, 1] (blank = all). The others are seen only through the teacher (no CE): soft labels plus unlabelled images, so at 0.1 KD sees ten times more images than scratch has labels.',
  },
];

/** A setting outside the Lab's training controls and its URL: the Compare queue sets these per row, the CLI as flags. */
export type ExtraKnob = Omit<NumberKnob, 'url' | 'testId'>;

/** The training and evaluation extras (docs/cli.md); validateConfig holds their limits. */
export const EXTRA_KNOBS: readonly ExtraKnob[] = [
  {
    kind: 'number', key: 'ttaShift', label: 'Test-time augmentation', integer: true,
    help: 'Test-time augmentation: the test softmax averaged over the image and its shifts by ±N pixels along x and y (0 = off).',
  },
  {
    kind: 'number', key: 'emaDecay', label: 'EMA decay', integer: false,
    help: "An exponential moving average of the student's weights, ema = D·ema + (1 − D)·w after every step (0 = off); evaluations use it.",
  },
  {
    kind: 'number', key: 'rdropAlpha', label: 'R-Drop alpha', integer: false,
    help: 'R-Drop: two dropout passes of the student, CE averaged, plus alpha × the symmetric KL between them (0 = off).',
  },
];

export function knobFor(key: keyof ExperimentConfig): Knob {
  const knob = KNOBS.find((k) => k.key === key);
  if (!knob) throw new Error(`No knob for ${String(key)}`);
  return knob;
}

export function numberKnob(key: NumberKey): NumberKnob {
  const knob = knobFor(key);
  if (knob.kind !== 'number') throw new Error(`${key} is not a number knob`);
  return knob;
}
