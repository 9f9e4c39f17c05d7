// Runs kept in the browser (IndexedDB): listed after a reload, shown in the comparison on demand,
// deleted one by one.
import { useMemo } from 'react';
import { deleteSavedRun, dismissStorageError, interruptedText, refreshSavedRuns, toggleSavedInComparison } from '../../state/savedRuns';
import { useCompare } from '../../state/compare';
import type { SavedRun } from '../../state/runStore';
import { resultOutcomeText } from '../../train/runOutcome';
import { isActive, useLab } from '../../state/store';
import { formatPercent } from '../fields';

/** The test accuracy it ended with; a checkpoint has only its latest evaluation ("last test"). */
function scoreOf(run: SavedRun): string {
  if (run.kind === 'teacher') return `test ${formatPercent(run.evaluation.testAccuracy)}`;
  if (run.result) return `test ${formatPercent(run.result.testAccuracy)}`;
  const latest = run.curves.evals.at(-1);
  return latest ? `last test ${formatPercent(latest.testAccuracy)}` : 'not evaluated yet';
}

/** How the run ended, unless it simply finished: a stopped or interrupted run never reads like a finished one. */
function outcomeOf(run: SavedRun, trainingNow: string | null): string | null {
  if (run.kind === 'teacher') return null;
  if (run.result) return run.result.status === 'done' ? null : resultOutcomeText(run.result);
  if (run.id === trainingNow) return `training now (checkpoint at step ${run.interrupted?.step.toLocaleString('en') ?? '?'})`;
  return interruptedText(run);
}

export function SavedRuns() {
  const saved = useCompare((s) => s.saved);
  const entries = useCompare((s) => s.entries);
  const shown = useMemo(() => new Set(entries.filter((e) => e.origin === 'saved').map((e) => e.savedId)), [entries]);
  const inQueue = useMemo(() => new Set(entries.filter((e) => e.origin === 'queue').map((e) => e.savedId)), [entries]);
  const trainingNow = useLab((s) => (isActive(s.run.status) ? s.run.id : null));
  return (
    <section className="panel saved-runs" aria-labelledby="saved-runs-title">
      <div className="chart-header">
        <h2 id="saved-runs-title">Saved runs</h2>
        <button type="button" className="link-button" onClick={() => void refreshSavedRuns()}>
          Reload list
        </button>
      </div>
      <p className="muted small">
        Every finished or stopped run (Lab or comparison) is kept in this browser with its curves and its student, until you delete it. A Lab run is also
        checkpointed every few seconds while it trains: after a reload or a crash its curves and the step it reached stay here (its student does not).
      </p>
      {saved.status === 'loading' ? <p className="muted small">Reading the saved runs…</p> : null}
      {saved.status === 'failed' ? <p className="field-problem">{saved.message}</p> : null}
      {saved.status === 'ready' && saved.runs.length === 0 ? <p className="muted small" data-testid="saved-runs-empty">No saved runs yet.</p> : null}
      {saved.runs.length > 0 ? (
        <ul className="saved-list" data-testid="saved-runs">
          {[...saved.runs].reverse().map((run) => {
            const outcome = outcomeOf(run, trainingNow);
            return (
              <li key={run.id} data-testid="saved-run" data-run={run.id} data-label={run.label} data-outcome={run.kind === 'teacher' ? 'done' : run.result ? run.result.status : 'interrupted'}>
                <div className="saved-main">
                  <span className="saved-label">{run.label}</span>
                  {outcome ? (
                    <span className="saved-outcome small" data-testid="saved-run-outcome">
                      {outcome}
                    </span>
                  ) : null}
                  <span className="muted small">
                    {run.kind === 'teacher' ? 'teacher' : `${run.config.method} · seed ${run.config.seed}`} · {run.config.dataset} · {scoreOf(run)} · {run.source === 'lab' ? 'Lab' : 'comparison'} ·{' '}
                    {new Date(run.savedAt).toLocaleString()}
                  </span>
                </div>
                <div className="button-row">
                  {inQueue.has(run.id) ? null : (
                    <label className="toggle">
                      <input type="checkbox" checked={shown.has(run.id)} onChange={() => toggleSavedInComparison(run.id)} data-testid="saved-run-show" />
                      Show in comparison
                    </label>
                  )}
                  <button type="button" data-testid="saved-run-delete" onClick={() => void deleteSavedRun(run.id)} aria-label={`Delete saved run ${run.label}`}>
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}

/** A storage failure (quota exceeded, a blocked database), on every page until dismissed. */
export function StorageAlert() {
  const message = useCompare((s) => s.storageError);
  if (!message) return null;
  return (
    <div className="error-box storage-alert" role="alert" data-testid="storage-error">
      <strong>Storage problem.</strong> <span>{message}</span>{' '}
      <button type="button" className="link-button" onClick={dismissStorageError}>
        Dismiss
      </button>
    </div>
  );
}
