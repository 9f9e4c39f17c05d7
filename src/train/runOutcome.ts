// How a run ended, in words shared by the Lab, the saved list and the comparison: a stopped run
// never reads like a finished one.
import type { RunResult } from './runTypes';

/** "stopped at step 25 of 480" (or "of ?" when the planned count is unknown). */
export function stoppedAtText(step: number, totalSteps: number | null | undefined): string {
  const total = totalSteps === null || totalSteps === undefined ? '?' : totalSteps.toLocaleString('en');
  return `stopped at step ${step.toLocaleString('en')} of ${total}`;
}

/** The ending of a run with a result: "finished", "stopped at step 25 of 480" or "failed". */
export function resultOutcomeText(result: Pick<RunResult, 'status' | 'steps' | 'totalSteps'>): string {
  if (result.status === 'stopped') return stoppedAtText(result.steps, result.totalSteps);
  return result.status === 'error' ? 'failed' : 'finished';
}

/** "scored on the first 1,000 val and 1,000 test images", for a run not scored on the whole splits; else null. */
export function scoredOnText(result: Pick<RunResult, 'scoredOn'>): string | null {
  if (!result.scoredOn) return null;
  const { val, test } = result.scoredOn;
  return `scored on the first ${val.toLocaleString('en')} val and ${test.toLocaleString('en')} test images`;
}
