// Planning a comparison: the queue builder's runs (each frozen with the configuration it had when
// it was added), how many seeds each repeats over, and why the plan cannot start.
import { datasetNameOf } from './datasetInfo';
import { validateConfig, type ExperimentConfig } from '../train/config';
import { runLabel } from './results';
import { BASELINE_LABEL, compareStore, MAX_SEEDS, type PlannedRun } from './compare';
import { trainCount } from './problems';
import type { RaceStory } from './presets';
import { labStore } from './store';

const get = () => compareStore.getState();
const set = compareStore.setState;

let nextKey = 1;

/**
 * What a queued run will train, in one line: the knobs a comparison does not share. A queued run
 * keeps the configuration it had when it was added (later Lab changes do not reach it).
 */
export function plannedRunSummary(config: ExperimentConfig): string {
  const parts = [
    `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`,
    `${config.optimizer} lr ${config.lr}`,
    ...(config.optimizer === 'sgd' ? [`momentum ${config.momentum}`] : []),
    ...(config.weightDecay ? [`weight decay ${config.weightDecay}`] : []),
    ...(config.lrSchedule === 'cosine' ? ['cosine schedule'] : []),
    `batch ${config.batchSize}`,
    ...(config.augment ? ['augmented'] : []),
    `seed ${config.seed}`,
    config.trainLimit ? `${config.trainLimit} training samples` : 'all training samples',
  ];
  return parts.join(' · ');
}

/** Add one run to the queue builder: its configuration is frozen here. */
export function planRun(config: ExperimentConfig, label?: string): void {
  const key = `planned-${nextKey++}`;
  set((state) => ({ planned: [...state.planned, { key, label: label?.trim() || runLabel(config), config: structuredClone(config) }], queue: { ...state.queue, problem: null }, race: null }));
}

/**
 * Add several runs to the queue builder. `seeds` (when given) sets how many seeds every queued run
 * and the scratch baseline repeat over, as the page's "Repeat each run over N seeds" does: a preset
 * asks for 3 with `planRuns(runs, { seeds: 3 })`.
 */
export function planRuns(runs: readonly { label: string; config: ExperimentConfig }[], options: { seeds?: number; baselineLabel?: string; race?: RaceStory } = {}): void {
  if (options.seeds !== undefined) setSeedCount(options.seeds);
  if (options.baselineLabel !== undefined) set({ baselineLabel: options.baselineLabel });
  for (const run of runs) planRun(run.config, run.label);
  // After the runs: adding a run by hand ends a race's story (planRun), the preset's own runs do not.
  if (options.race) set({ race: options.race });
}

/** How many seeds each run repeats over (the control's value; planProblem refuses one out of range). */
export function setSeedCount(seeds: number): void {
  set((state) => ({ seeds, queue: { ...state.queue, problem: null } }));
}

/** The seeds a run of base seed `seed` repeats over: seed, seed + 1, … (`count` of them). */
export function seedsFrom(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => seed + i);
}

export function unplanRun(key: string): void {
  set((state) => ({ planned: state.planned.filter((run) => run.key !== key) }));
}

export function clearPlan(): void {
  set({ planned: [], baselineLabel: BASELINE_LABEL, race: null });
}

/** Why the planned runs cannot start over `seeds` seeds, or null. */
export function planProblem(planned: readonly PlannedRun[], seeds = get().seeds): string | null {
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS) return `Repeat each run over 1 to ${MAX_SEEDS} seeds (a whole number; got ${seeds}).`;
  if (planned.length === 0) return 'Add at least one run to the queue.';
  const first = planned[0].config;
  const lab = labStore.getState();
  for (const run of planned) {
    const { config } = run;
    for (const [field, name] of [
      ['dataset', 'dataset'],
      ['student', 'student'],
      ['seed', 'seed'],
      ['valLimit', 'validation samples'],
      ['testLimit', 'test samples'],
    ] as const) {
      if (config[field] !== first[field]) {
        return `"${run.label}" uses another ${name} (${String(config[field] ?? 'all')}) than "${planned[0].label}" (${String(first[field] ?? 'all')}): a comparison shares them.`;
      }
    }
    const problem = validateConfig(config, trainCount({ config, datasets: lab.datasets }))[0];
    if (problem) return `"${run.label}": ${problem.message}`;
  }
  return null;
}

/** A dataset's display name, or its id when the page does not know it. */
export function datasetName(id: string): string {
  return datasetNameOf(labStore.getState().datasets, id);
}
