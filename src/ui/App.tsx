import { AccuracyChart } from './charts/AccuracyChart';
import { LossChart } from './charts/LossChart';
import { Header } from './Header';
import { DatasetPanel } from './panels/DatasetPanel';
import { MethodPanel } from './panels/MethodPanel';
import { ModelsPanel } from './panels/ModelsPanel';
import { ResultsPanel, RunControls } from './panels/RunPanel';
import { TrainingPanel } from './panels/TrainingPanel';

export function App() {
  return (
    <div className="app">
      <Header />
      <main className="layout">
        <div className="controls-column" aria-label="Experiment set-up">
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
        </div>
      </main>
    </div>
  );
}
