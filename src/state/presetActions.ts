// One click on a preset: the knobs it names change through the same actions the controls use,
// so the dataset loads, the teacher follows the dataset and the URL is rewritten. A preset with a
// kd_ratio sweep also plans its runs on the Compare page.
import { setChoice, setDataset, setMethod, setNumber, setParam, setStudent } from './actions';
import { compareStore } from './compare';
import { clearPlan, planRuns } from './compareActions';
import { applyPreset, getPreset, sweepRuns } from './presets';
import { labStore } from './store';

export interface PresetOutcome {
  /** Runs queued on the Compare page. */
  queued: number;
  /** The preset has runs to queue but a comparison is running, so they were not. */
  queueBusy: boolean;
}

/** Applies the preset to the Lab and queues its kd_ratio sweep, if it has one, on the Compare page. */
export function choosePreset(id: string): PresetOutcome {
  const preset = getPreset(id);
  const before = labStore.getState().config;
  const after = applyPreset(before, preset);
  if (after.dataset !== before.dataset) setDataset(after.dataset);
  if (after.method !== before.method) setMethod(after.method);
  if (after.student !== before.student) setStudent(after.student);
  for (const [name, value] of Object.entries(after.params)) setParam(name, value);
  setNumber('kdRatio', after.kdRatio);
  setChoice('optimizer', after.optimizer);
  setChoice('lrSchedule', after.lrSchedule);
  for (const key of ['lr', 'momentum', 'weightDecay', 'batchSize'] as const) {
    if (after[key] !== before[key]) setNumber(key, after[key]);
  }
  const runs = sweepRuns(labStore.getState().config, preset);
  if (runs.length === 0) return { queued: 0, queueBusy: false };
  if (compareStore.getState().queue.status !== 'idle') return { queued: 0, queueBusy: true };
  // The preset is the comparison: it replaces whatever was queued before.
  clearPlan();
  planRuns(runs);
  return { queued: runs.length, queueBusy: false };
}
