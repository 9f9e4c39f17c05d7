// One-click set-ups from the KD literature and for the classroom. Plain data plus one pure
// function; actions turn a preset into store changes.
import { withMethod, type ExperimentConfig } from '../train/config';

/** The knobs a preset sets; everything else (seed, epochs, limits…) stays as the user left it. */
export type PresetSettings = Partial<
  Pick<ExperimentConfig, 'dataset' | 'student' | 'method' | 'kdRatio' | 'optimizer' | 'lr' | 'momentum' | 'weightDecay' | 'lrSchedule' | 'batchSize'>
> & { params?: Record<string, number> };

export interface Preset {
  id: string;
  label: string;
  /** One or two sentences: where the numbers come from. */
  description: string;
  settings: PresetSettings;
  /** Runs that differ in kd_ratio only, queued on the Compare page. */
  kdRatioSweep?: readonly { kdRatio: number; label: string }[];
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'hinton-2015',
    label: 'Hinton 2015 (MNIST, T = 20)',
    description:
      'Distilling the Knowledge in a Neural Network: an MLP student on MNIST learns from soft targets at T = 20; ' +
      'most of the weight on the soft term (kd_ratio 0.9: 0.1·CE + 0.9·KD, the KD term already scaled by T²).',
    settings: { dataset: 'mnist', student: 'mlp', method: 'kd', params: { temperature: 20 }, kdRatio: 0.9 },
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
    label: 'Soft vs hard labels (Digits, kd_ratio 0 / 0.5 / 1)',
    description:
      'The classroom comparison on Digits: the same student trained on hard labels only (kd_ratio 0), half and half (0.5), ' +
      "and on the teacher's soft labels only (1), at T = 4.",
    settings: { dataset: 'digits', student: 'tiny-cnn', method: 'kd', params: { temperature: 4 }, kdRatio: 0.5 },
    kdRatioSweep: [
      { kdRatio: 0, label: 'Hard labels only (kd_ratio 0)' },
      { kdRatio: 0.5, label: 'Half and half (kd_ratio 0.5)' },
      { kdRatio: 1, label: 'Soft labels only (kd_ratio 1)' },
    ],
  },
];

export function getPreset(id: string): Preset {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`Unknown preset "${id}"`);
  return preset;
}

/**
 * The configuration after a preset: its knobs set, the method's other parameters carried over or
 * at their defaults (as a method switch does), a recipe or layer choice of the old set-up dropped,
 * every other knob untouched. The teacher is left to the caller, who knows which teachers fit.
 */
export function applyPreset(config: ExperimentConfig, preset: Preset): ExperimentConfig {
  const { params: presetParams, ...knobs } = preset.settings;
  const switched = withMethod(config, knobs.method ?? config.method);
  const kdRatio = knobs.kdRatio ?? (switched.method === config.method ? config.kdRatio : switched.kdRatio);
  const params = { ...switched.params };
  for (const name of Object.keys(params)) if (presetParams?.[name] !== undefined) params[name] = presetParams[name];
  return { ...switched, ...knobs, kdRatio, params };
}

/** The preset's kd_ratio sweep as runs of `config` (the Lab's configuration after the preset). */
export function sweepRuns(config: ExperimentConfig, preset: Preset): { label: string; config: ExperimentConfig }[] {
  return (preset.kdRatioSweep ?? []).map(({ kdRatio, label }) => ({ label, config: { ...config, params: { ...config.params }, kdRatio } }));
}
