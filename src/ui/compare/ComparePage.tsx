import { useEffect } from 'react';
import { refreshSavedRuns } from '../../state/compareActions';
import { useLab } from '../../state/store';
import { CompareCharts } from './CompareCharts';
import { QueuePanel } from './QueuePanel';
import { ResultsTable } from './ResultsTable';
import { SavedRuns } from './SavedRuns';
import './compare.css';

export function ComparePage() {
  useEffect(() => {
    void refreshSavedRuns();
  }, []);
  return (
    <div className="compare" aria-label="Compare runs" data-testid="compare-page">
      <QueuePanel />
      <CompareCharts />
      <ResultsTable />
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
