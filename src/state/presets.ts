// One-click set-ups from the KD literature and for the classroom. Plain data plus one pure
// function; actions turn a preset into store changes.
import { DEFAULT_CONFIG, withMethod, type ExperimentConfig } from '../train/config';

/**
 * The knobs a preset leaves as the user set them: the data, the models, the run's length, seed and
 * sample limits (dataset and student change only when the preset names them). Every other knob is
 * set by the preset: its own values, or the default.
 */
export const PRESET_KEEPS = ['dataset', 'student', 'teacher', 'epochs', 'steps', 'seed', 'trainLimit', 'valLimit', 'testLimit', 'evalEvery', 'omitClasses'] as const;

/** The knobs a preset names; the others it resets to their defaults, except PRESET_KEEPS. */
export type PresetSettings = Partial<
  Pick<ExperimentConfig, 'dataset' | 'student' | 'method' | 'kdRatio' | 'optimizer' | 'lr' | 'momentum' | 'weightDecay' | 'lrSchedule' | 'batchSize'>
> & { params?: Record<string, number> };

/**
 * The run a demo depends on: its length, the images it trains on and is scored on, and the classes
 * it never sees. A preset that names a run sets all of these (an absent field is cleared: the
 * whole split, no omitted class), so its numbers are the ones its description states.
 */
export type PresetRun = Pick<ExperimentConfig, 'epochs' | 'evalEvery'> & Partial<Pick<ExperimentConfig, 'trainLimit' | 'omitClasses' | 'steps'>>;

const RUN_KEYS = ['epochs', 'evalEvery', 'trainLimit', 'valLimit', 'testLimit', 'omitClasses', 'steps'] as const;

/** A comparison told as a race: the arm whose gap to the baseline is announced when it ends, in the story's words. */
export interface RaceStory {
  title: string;
  /** The label of the arm (a kdRatioSweep run) compared with the baseline. */
  contender: string;
  /** The two as the closing sentence names them: "Soft labels beat hard labels by …". */
  contenderName: string;
  baselineName: string;
}

export interface Preset {
  id: string;
  label: string;
  /** One or two sentences: where the numbers come from. */
  description: string;
  settings: PresetSettings;
  /** Runs that differ in kd_ratio only, queued on the Compare page. */
  kdRatioSweep?: readonly { kdRatio: number; label: string }[];
  /** The comparison's student from scratch as the story names it (default: "student from scratch"). */
  baselineLabel?: string;
  /** Shown as a race on the Compare page, with its closing sentence. */
  race?: RaceStory;
  /** The run shape the preset's claim depends on (a classroom demo); absent: the user's is kept. */
  run?: PresetRun;
  /** Seeds each queued run is repeated over on the Compare page (absent: 1). */
  seeds?: number;
  /** A version that finishes in a class period on the cpu path, offered beside the full one (its own seeds, else the preset's). */
  short?: { label: string; run: PresetRun; seeds?: number };
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'hinton-2015',
    label: 'Hinton 2015 (MNIST, T = 20)',
    description:
      'Distilling the Knowledge in a Neural Network: an MLP student on MNIST learns from soft targets at T = 20; ' +
      'most of the weight on the soft term (kd_ratio 0.9: 0.1·CE + 0.9·KD, the KD term already scaled by T²).',
    settings: { dataset: 'mnist', student: 'mlp', method: 'kd', params: { temperature: 20 }, kdRatio: 0.9 },
    // The paper trains on all 60,000 images for many epochs: hours on a laptop cpu.
    short: { label: '6,000 images, 2 epochs', run: { trainLimit: 6000, epochs: 2, evalEvery: 20 } },
  },
  {
    id: 'repdistiller',
    label: 'RepDistiller defaults (T = 4, kd_ratio 0.9)',
    description:
      "RepDistiller's train_student.py for KD: T = 4, 0.1·CE + 0.9·KD, SGD with momentum 0.9, learning rate 0.05, " +
      'weight decay 5e-4, batch 64. The dataset and student stay as they are.',
    settings: { method: 'kd', params: { temperature: 4 }, kdRatio: 0.9, optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 64 },
  },
  {
    id: 'soft-vs-hard',
    label: 'Soft vs hard labels: 200 images',
    description:
      'The few-label race on Digits: the same student trained on 200 images with their hard labels only (the comparison\'s student from scratch, ' +
      'which is kd_ratio 0), half and half (0.5), ' +
      "and on the teacher's soft labels only (1, T = 20), each over 3 seeds. With so few labels a one-hot label says little; a soft label also says " +
      'which other digits an image resembles. Measured with the CLI over 5 seeds: hard 88.2 % ± 2.4, soft 95.8 % ± 0.5 (README, "What distillation does").',
    settings: { dataset: 'digits', student: 'tiny-cnn', method: 'kd', params: { temperature: 20 }, kdRatio: 1 },
    // A curve point every 12 steps (10 a run): each scores all 719 val and test images, more
    // forward passes than the training itself when every 5 steps (40 % of the race's time).
    run: { trainLimit: 200, epochs: 40, evalEvery: 12 },
    seeds: 3,
    // Half the epochs: the gap is smaller but still outside the seed spread (CLI, seeds 1-5 at 20
    // epochs: hard 87.6 % ± 2.8, soft 93.0 % ± 1.2, soft ahead on every seed).
    short: { label: '20 epochs', run: { trainLimit: 200, epochs: 20, evalEvery: 6 } },
    // Hard labels only (kd_ratio 0) trains exactly the comparison's scratch student: not run twice.
    baselineLabel: 'Hard labels only (kd_ratio 0)',
    race: { title: 'The few-label race', contender: 'Soft labels only (kd_ratio 1)', contenderName: 'Soft labels', baselineName: 'hard labels' },
    kdRatioSweep: [
      { kdRatio: 0.5, label: 'Half and half (kd_ratio 0.5)' },
      { kdRatio: 1, label: 'Soft labels only (kd_ratio 1)' },
    ],
  },
  {
    id: 'never-seen',
    label: 'A digit never seen: no 3s',
    description:
      'Hinton, Vinyals & Dean 2015, §3: every 3 is left out of the training images; the teacher still knows 3s. Distilled at T = 20 on soft labels only, ' +
      'the student recognises most test 3s without having seen one (the inspector shows how many, and after raising the 3 logit by a bias chosen on ' +
      'validation); a student trained from scratch on the same images recognises none. Over 5 seeds with the CLI: 88 % ± 2 of the test 3s, ' +
      '98 % ± 4 with the bias, 0 % from scratch (README, "What distillation does").',
    settings: { dataset: 'digits', student: 'tiny-cnn', method: 'kd', params: { temperature: 20 }, kdRatio: 1 },
    run: { omitClasses: [3], epochs: 20, evalEvery: 20 },
    // Half the epochs: about 80 % of the 3s instead of about 88 % (CLI, seeds 1-3 at 8 and 12 epochs).
    short: { label: '10 epochs', run: { omitClasses: [3], epochs: 10, evalEvery: 20 } },
  },
  {
    id: 'tf-tutorial-cifar10',
    label: 'TF tutorial: CIFAR-10',
    description:
      "The TensorFlow KD tutorial's experiment: a student of about 90k parameters (medium-cnn, 87k) distilled from a larger teacher (the shipped teacher-cnn, 532k parameters, 77.4 % test) " +
      'against the same student from the labels alone; T = 4, 0.1·CE + 0.9·KD, Adam 0.003, batch 64, 15 epochs on the 45,000 training images, 3 seeds. ' +
      'The full comparison is six runs of about 10 minutes each on a 2-core laptop CPU; the short one (5,000 images, 3 epochs, 3 seeds) fits a class period.',
    settings: { dataset: 'cifar10', student: 'medium-cnn', method: 'kd', params: { temperature: 4 }, kdRatio: 0.9, optimizer: 'adam', lr: 0.003, batchSize: 64 },
    // A curve point an epoch (703 steps): each scores 1,000 val and 1,000 test images.
    run: { epochs: 15, evalEvery: 703 },
    seeds: 3,
    // CLI, seeds 1-3: KD 51.7 % ± 1.6, from the labels 45.2 % ± 3.5; KD ahead on every seed (+5.3 to +8.7).
    short: { label: '5,000 images, 3 epochs', run: { trainLimit: 5000, epochs: 3, evalEvery: 78 }, seeds: 3 },
    baselineLabel: 'From the labels alone (kd_ratio 0)',
    race: { title: 'The CIFAR-10 race', contender: 'KD (kd_ratio 0.9)', contenderName: 'KD', baselineName: 'the labels alone' },
    kdRatioSweep: [{ kdRatio: 0.9, label: 'KD (kd_ratio 0.9)' }],
  },
  {
    id: 'see-attention',
    label: 'See what is matched: attention transfer',
    description:
      'Zagoruyko & Komodakis 2017 on Digits: the student is pushed to put its attention (the mean of its squared activations per position) where the teacher puts its own, ' +
      'at both conv blocks. The "What is matched" panel draws the two maps the loss compares and their difference, live, then the run\'s start beside its end.',
    settings: { dataset: 'digits', student: 'tiny-cnn', method: 'at' },
    run: { epochs: 15, evalEvery: 20 },
  },
];

export function getPreset(id: string): Preset {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`Unknown preset "${id}"`);
  return preset;
}

/**
 * The configuration after a preset: the defaults, the knobs of PRESET_KEEPS taken from `config`,
 * then the preset's knobs (its method's other parameters at their defaults). So the same click
 * gives the same run whatever was set before: no optimizer, recipe, layer choice or training
 * extra (augmentation, EMA, R-Drop, TTA, label-free) of an earlier set-up survives it. The
 * teacher is left to the caller, who knows which teachers fit.
 */
export function applyPreset(config: ExperimentConfig, preset: Preset, version: 'full' | 'short' = 'full'): ExperimentConfig {
  const { params: presetParams, ...knobs } = preset.settings;
  const start: ExperimentConfig = structuredClone(DEFAULT_CONFIG);
  const kept = start as unknown as Record<string, unknown>;
  for (const key of PRESET_KEEPS) {
    const value = (config as unknown as Record<string, unknown>)[key];
    if (value !== undefined) kept[key] = structuredClone(value);
  }
  const switched = withMethod(start, knobs.method ?? DEFAULT_CONFIG.method);
  const kdRatio = knobs.kdRatio ?? switched.kdRatio;
  const params = { ...switched.params };
  for (const name of Object.keys(params)) if (presetParams?.[name] !== undefined) params[name] = presetParams[name];
  const next: ExperimentConfig = { ...switched, ...knobs, kdRatio, params };
  const run = version === 'short' ? preset.short?.run : preset.run;
  if (run) {
    const writable = next as unknown as Record<string, unknown>;
    for (const key of RUN_KEYS) delete writable[key];
    Object.assign(next, structuredClone(run));
  }
  return next;
}

/** The seeds each of the preset's queued runs is repeated over, in the version chosen. */
export function presetSeeds(preset: Preset, version: 'full' | 'short' = 'full'): number {
  return (version === 'short' ? preset.short?.seeds : undefined) ?? preset.seeds ?? 1;
}

/** The preset's kd_ratio sweep as runs of `config` (the Lab's configuration after the preset). */
export function sweepRuns(config: ExperimentConfig, preset: Preset): { label: string; config: ExperimentConfig }[] {
  return (preset.kdRatioSweep ?? []).map(({ kdRatio, label }) => ({ label, config: { ...config, params: { ...config.params }, kdRatio } }));
}
