import { useEffect } from 'react';
import { refreshSavedRuns } from '../../state/savedRuns';
import { useCompare } from '../../state/compare';
import { useLab } from '../../state/store';
import { RaceView } from './RaceView';
import { CompareCharts } from './CompareCharts';
import { QueuePanel } from './QueuePanel';
import { ResultsTable } from './ResultsTable';
import { SavedRuns } from './SavedRuns';
import './compare.css';

export function ComparePage() {
  useEffect(() => {
    void refreshSavedRuns();
  }, []);
  // A preset's race comes first, its curves and table after it; the queue builder moves below them.
  const racing = useCompare((s) => s.race !== null && s.entries.length > 0);
  const showTable = () => {
    const table = document.getElementById('compare-results');
    table?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    table?.focus({ preventScroll: true });
  };
  return (
    <div className="compare" aria-label="Compare runs" data-testid="compare-page">
      {racing ? <RaceView onShowTable={showTable} /> : <QueuePanel />}
      <CompareCharts accuracyFirst={racing} />
      <ResultsTable />
      {racing ? <QueuePanel /> : null}
      <TeacherUploadNote />
      <SavedRuns />
    </div>
  );
}

/** What became of "use as teacher" (the Lab's teacher check answers it). */
function TeacherUploadNote() {
  const upload = useLab((s) => s.teacherUpload);
  if (upload.status === 'idle') return null;
  return (
    <p className={upload.status === 'refused' ? 'field-problem' : 'muted small'} role="status" data-testid="compare-teacher-status" data-status={upload.status}>
      Teacher from a student: {upload.message}
    </p>
  );
}
