import { useEffect, useState } from 'react';
import { AccuracyChart } from './charts/AccuracyChart';
import { LossChart } from './charts/LossChart';
import { ComparePage } from './compare/ComparePage';
import { StorageAlert } from './compare/SavedRuns';
import { ExplorerPage } from './explore/ExplorerPage';
import { ClassroomPage } from './classroom/ClassroomPage';
import { Header } from './Header';
import { DatasetPanel } from './panels/DatasetPanel';
import { InspectPanel } from './panels/InspectPanel';
import { MethodPanel } from './panels/MethodPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { ClassroomNote, PresetsBar } from './panels/PresetsBar';
import { ResultsPanel, RunControls } from './panels/RunPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { VIEWS, viewFromUrl, type ViewId } from './views';

export function App() {
  const [view, setView] = useState<ViewId>(() => viewFromUrl(window.location.search));
  useEffect(() => {
    const onPop = () => setView(viewFromUrl(window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const open = (id: ViewId) => {
    setView(id);
    const url = new URL(window.location.href);
    if (id === 'lab') url.searchParams.delete('view');
    else url.searchParams.set('view', id);
    window.history.replaceState(null, '', url);
  };
  return (
    <div className="app">
      <Header />
      <nav className="view-tabs" role="tablist" aria-label="Pages">
        {VIEWS.map((item) => (
          <button
            key={item.id}
            type="button"
            role="tab"
            id={`tab-${item.id}`}
            aria-selected={view === item.id}
            aria-controls={`view-${item.id}`}
            title={item.help}
            className={view === item.id ? 'view-tab active' : 'view-tab'}
            data-testid={`tab-${item.id}`}
            onClick={() => open(item.id)}
          >
            {item.label}
          </button>
        ))}
      </nav>
      <StorageAlert />
      <ClassroomNote />
      {view === 'lab' ? (
        <main className="layout" id="view-lab" role="tabpanel" aria-labelledby="tab-lab">
          <div className="controls-column" aria-label="Experiment set-up">
            <PresetsBar />
            <DatasetPanel />
            <ModelsPanel />
            <MethodPanel />
            <TrainingPanel />
          </div>
          <div className="results-column" aria-label="Run">
            <section className="panel run-panel" aria-label="Run">
              <RunControls />
            </section>
            <ResultsPanel />
            <LossChart />
            <AccuracyChart />
            <InspectPanel />
          </div>
        </main>
      ) : null}
      {view === 'compare' ? (
        <main className="page" id="view-compare" role="tabpanel" aria-labelledby="tab-compare">
          <ComparePage />
        </main>
      ) : null}
      {view === 'explore' ? (
        <main className="page" id="view-explore" role="tabpanel" aria-labelledby="tab-explore">
          <ExplorerPage />
        </main>
      ) : null}
      {view === 'classroom' ? (
        <main className="page" id="view-classroom" role="tabpanel" aria-labelledby="tab-classroom">
          <ClassroomPage onOpen={open} />
        </main>
      ) : null}
    </div>
  );
}
