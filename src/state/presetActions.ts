// One click on a preset: the whole configuration is replaced (applyPreset says which knobs it
// keeps), so the dataset loads, the teacher follows the dataset and the URL is rewritten. A preset
// with a kd_ratio sweep also plans its runs on the Compare page.
import { replaceConfig } from './configActions';
import { compareStore } from './compare';
import { clearPlan, planRuns } from './comparePlan';
import { applyPreset, getPreset, presetSeeds, sweepRuns } from './presets';
import { labStore } from './store';

export interface PresetOutcome {
  /** Runs queued on the Compare page. */
  queued: number;
  /** The preset has runs to queue but a comparison is running, so they were not. */
  queueBusy: boolean;
}

/** Applies the preset to the Lab and queues its kd_ratio sweep, if it has one, on the Compare page. */
export function choosePreset(id: string, version: 'full' | 'short' = 'full'): PresetOutcome {
  const preset = getPreset(id);
  replaceConfig(applyPreset(labStore.getState().config, preset, version));
  const runs = sweepRuns(labStore.getState().config, preset);
  if (runs.length === 0) return { queued: 0, queueBusy: false };
  if (compareStore.getState().queue.status !== 'idle') return { queued: 0, queueBusy: true };
  // The preset is the comparison: it replaces whatever was queued before.
  clearPlan();
  planRuns(runs, { seeds: presetSeeds(preset, version), baselineLabel: preset.baselineLabel, race: preset.race });
  return { queued: runs.length, queueBusy: false };
}
