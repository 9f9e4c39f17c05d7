import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { StorageAlert } from './compare/SavedRuns';
import { Header } from './Header';
import { DatasetPanel } from './panels/DatasetPanel';
import { InspectPanel } from './panels/InspectPanel';
import { MethodPanel } from './panels/MethodPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { ClassroomNote, PresetsBar } from './panels/PresetsBar';
import { ResultsPanel, RunControls } from './panels/RunPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { VIEWS, viewFromUrl, type ViewId } from './views';

// The Lab's controls come first; its charts (recharts, the page's largest library) load beside
// them, and the other pages with their first visit.
const LossChart = lazy(() => import('./charts/LossChart').then((m) => ({ default: m.LossChart })));
const AccuracyChart = lazy(() => import('./charts/AccuracyChart').then((m) => ({ default: m.AccuracyChart })));
const ComparePage = lazy(() => import('./compare/ComparePage').then((m) => ({ default: m.ComparePage })));
const ExplorerPage = lazy(() => import('./explore/ExplorerPage').then((m) => ({ default: m.ExplorerPage })));
const ClassroomPage = lazy(() => import('./classroom/ClassroomPage').then((m) => ({ default: m.ClassroomPage })));

function PageLoading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <p className="muted small" role="status">
          Loading the page…
        </p>
      }
    >
      {children}
    </Suspense>
  );
}

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
            <PageLoading>
              <LossChart />
              <AccuracyChart />
            </PageLoading>
            <InspectPanel />
          </div>
        </main>
      ) : null}
      {view === 'compare' ? (
        <main className="page" id="view-compare" role="tabpanel" aria-labelledby="tab-compare">
          <PageLoading>
            <ComparePage />
          </PageLoading>
        </main>
      ) : null}
      {view === 'explore' ? (
        <main className="page" id="view-explore" role="tabpanel" aria-labelledby="tab-explore">
          <PageLoading>
            <ExplorerPage />
          </PageLoading>
        </main>
      ) : null}
      {view === 'classroom' ? (
        <main className="page" id="view-classroom" role="tabpanel" aria-labelledby="tab-classroom">
          <PageLoading>
            <ClassroomPage onOpen={open} />
          </PageLoading>
        </main>
      ) : null}
    </div>
  );
}
