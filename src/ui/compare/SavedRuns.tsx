// Runs kept in the browser (IndexedDB): listed after a reload, shown in the comparison on demand,
// deleted one by one.
import { useMemo } from 'react';
import { deleteSavedRun, dismissStorageError, refreshSavedRuns, toggleSavedInComparison } from '../../state/compareActions';
import { useCompare } from '../../state/compare';
import type { SavedRun } from '../../state/runStore';
import { formatPercent } from '../fields';

function scoreOf(run: SavedRun): number {
  return run.kind === 'teacher' ? run.evaluation.testAccuracy : run.result.testAccuracy;
}

export function SavedRuns() {
  const saved = useCompare((s) => s.saved);
  const entries = useCompare((s) => s.entries);
  const shown = useMemo(() => new Set(entries.filter((e) => e.origin === 'saved').map((e) => e.savedId)), [entries]);
  const inQueue = useMemo(() => new Set(entries.filter((e) => e.origin === 'queue').map((e) => e.savedId)), [entries]);
  return (
    <section className="panel saved-runs" aria-labelledby="saved-runs-title">
      <div className="chart-header">
        <h2 id="saved-runs-title">Saved runs</h2>
        <button type="button" className="link-button" onClick={() => void refreshSavedRuns()}>
          Reload list
        </button>
      </div>
      <p className="muted small">Every finished run (Lab or comparison) is kept in this browser with its curves and its student, until you delete it.</p>
      {saved.status === 'loading' ? <p className="muted small">Reading the saved runs…</p> : null}
      {saved.status === 'failed' ? <p className="field-problem">{saved.message}</p> : null}
      {saved.status === 'ready' && saved.runs.length === 0 ? <p className="muted small" data-testid="saved-runs-empty">No saved runs yet.</p> : null}
      {saved.runs.length > 0 ? (
        <ul className="saved-list" data-testid="saved-runs">
          {[...saved.runs].reverse().map((run) => (
            <li key={run.id} data-testid="saved-run" data-run={run.id} data-label={run.label}>
              <div className="saved-main">
                <span className="saved-label">{run.label}</span>
                <span className="muted small">
                  {run.kind === 'teacher' ? 'teacher' : run.config.method} · {run.config.dataset} · test {formatPercent(scoreOf(run))} · {run.source === 'lab' ? 'Lab' : 'comparison'} ·{' '}
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
          ))}
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
