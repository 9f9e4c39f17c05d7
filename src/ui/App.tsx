import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { StorageAlert } from './compare/SavedRuns';
import { Header } from './Header';
import { DatasetPanel } from './panels/DatasetPanel';
import { InspectPanel } from './panels/InspectPanel';
import { MatchedPanel } from './matched/MatchedPanel';
import { MethodPanel } from './panels/MethodPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { ClassroomNote, PresetsBar } from './panels/PresetsBar';
import { ResultsPanel, RunControls } from './panels/RunPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { VIEWS, viewFromUrl, type ViewId } from './views';
import { useShownRun } from './hooks';

/** The Lab's results, curves and inspector: dimmed as a whole once they belong to a previous set-up. */
function ResultsColumn({ children }: { children: ReactNode }) {
  const { stale } = useShownRun();
  return (
    <div className="results-column" data-stale={stale} data-testid="results-column">
      {children}
    </div>
  );
}

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

/** A page other than the Lab: its tab's panel, loaded on its first visit. */
function PagePanel({ view, children }: { view: ViewId; children: ReactNode }) {
  return (
    <div className="page" id={`view-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`}>
      <PageLoading>{children}</PageLoading>
    </div>
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
      <SkipLink view={view} />
      <Header />
      <ViewTabs view={view} onOpen={open} />
      <StorageAlert />
      <ClassroomNote />
      <main id="main" tabIndex={-1}>
        {view === 'lab' ? (
          <div className="layout" id="view-lab" role="tabpanel" aria-labelledby="tab-lab">
            {/* First in the page's order (the keyboard reaches Start in a few Tab presses); on a narrow screen it stays at the top as the page scrolls. */}
            <section className="panel run-panel" id="run-controls" aria-label="Run controls" tabIndex={-1}>
              <RunControls />
            </section>
            <div className="controls-column" role="group" aria-label="Experiment set-up">
              <PresetsBar onOpen={open} />
              <DatasetPanel />
              <ModelsPanel />
              <MethodPanel />
              <TrainingPanel />
            </div>
            <ResultsColumn>
              <ResultsPanel />
              <PageLoading>
                <LossChart />
                <AccuracyChart />
              </PageLoading>
              <MatchedPanel onOpenSoftLabels={() => open('explore')} />
              <InspectPanel />
            </ResultsColumn>
          </div>
        ) : null}
        {view === 'compare' ? (
          <PagePanel view="compare">
            <ComparePage />
          </PagePanel>
        ) : null}
        {view === 'explore' ? (
          <PagePanel view="explore">
            <ExplorerPage />
          </PagePanel>
        ) : null}
        {view === 'classroom' ? (
          <PagePanel view="classroom">
            <ClassroomPage onOpen={open} />
          </PagePanel>
        ) : null}
      </main>
    </div>
  );
}

/**
 * The first Tab stop: on the Lab it moves focus to Start (or the first control of the run that
 * can take it), elsewhere to the page's content.
 */
function SkipLink({ view }: { view: ViewId }) {
  const lab = view === 'lab';
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    const panel = document.getElementById(lab ? 'run-controls' : 'main');
    if (!panel) return;
    event.preventDefault();
    const target = lab ? (panel.querySelector<HTMLButtonElement>('button:not(:disabled)') ?? panel) : panel;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: 'nearest' });
  };
  return (
    <a className="skip-link" href={lab ? '#run-controls' : '#main'} onClick={skip}>
      {lab ? 'Skip to run controls' : 'Skip to the page'}
    </a>
  );
}

/**
 * The pages as tabs: one Tab stop for the row (the open page's tab); the arrow keys, Home and End
 * move between the tabs and open the one reached.
 */
function ViewTabs({ view, onOpen }: { view: ViewId; onOpen: (id: ViewId) => void }) {
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (event: KeyboardEvent) => {
    const at = VIEWS.findIndex((item) => item.id === view);
    const moves: Record<string, number> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: VIEWS.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (moves[event.key] + VIEWS.length) % VIEWS.length;
    onOpen(VIEWS[next].id);
    tabs.current[next]?.focus();
  };
  return (
    <nav className="view-tabs" aria-label="Pages">
      <div className="view-tablist" role="tablist" aria-label="Pages" onKeyDown={onKeyDown}>
        {VIEWS.map((item, i) => (
          <button
            key={item.id}
            ref={(element) => {
              tabs.current[i] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${item.id}`}
            aria-selected={view === item.id}
            aria-controls={`view-${item.id}`}
            tabIndex={view === item.id ? 0 : -1}
            title={item.help}
            className={view === item.id ? 'view-tab active' : 'view-tab'}
            data-testid={`tab-${item.id}`}
            onClick={() => onOpen(item.id)}
          >
            {item.label}
          </button>
        ))}
      </div>
    </nav>
  );
}
