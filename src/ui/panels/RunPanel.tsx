import { useRef, useState } from 'react';
import { pauseRun, resumeRun, startRun, stopRun } from '../../state/runLifecycle';
import { useProblems } from '../../state/problems';
import { isActive, useLab } from '../../state/store';
import { useCompare } from '../../state/compare';
import { formatPercent } from '../fields';
import { usesTeacher } from '../../train/config';
import { scoredOnText, stoppedAtText } from '../../train/runOutcome';
import { estimateText, formatDuration, LONG_RUN_SECONDS, timeLeft, type ProgressSample } from '../../state/estimate';
import { labResultJson, labStudentFiles, loadLabStudentAsTeacher } from '../../state/labRunActions';
import { distilFromTrainedTeacher } from '../../state/teacherTraining';
import { neverSeenSentence } from '../../state/race';
import { isTeacherArchitecture } from '../../models/architectureSpecs';
import { useLabEstimate, useShownRun } from '../hooks';
import type { RunResult } from '../../train/runTypes';
import { WEIGHTS_FILE } from '../../models/files';
import { downloadBlob } from '../compare/download';
import { PytorchExportButton } from '../PytorchExportButton';

const PHASE_TEXT: Record<string, string> = {
  loading: 'Preparing',
  'caching-teacher': 'Caching teacher logits',
  training: 'Training',
  evaluating: 'Evaluating on val and test',
};

export function RunControls() {
  const status = useLab((s) => s.run.status);
  const problems = useProblems();
  const pausing = useLab((s) => s.run.pausing);
  const finishing = useLab((s) => s.run.finishing);
  const untilStopped = useLab((s) => s.config.untilStopped === true);
  const active = isActive(status);
  // The worker trains one run at a time: a comparison in progress holds it.
  const comparing = useCompare((s) => s.queue.status !== 'idle');
  // While the worker measures which backend is fastest here, Start waits and says why.
  const measuring = useLab((s) => s.backendStarting && s.backend === null);
  return (
    <div className="run-controls">
      <div className="button-row" role="group" aria-label="Run controls">
        <button type="button" className="primary" data-testid="start-button" onClick={startRun} disabled={active || comparing || measuring || problems.length > 0}>
          Start
        </button>
        <button type="button" data-testid="pause-button" onClick={pauseRun} disabled={status !== 'training' || pausing}>
          {pausing ? 'Pausing…' : 'Pause'}
        </button>
        <button type="button" data-testid="resume-button" onClick={resumeRun} disabled={status !== 'paused'}>
          Resume
        </button>
        <button
          type="button"
          data-testid="stop-button"
          onClick={stopRun}
          disabled={!active}
          title={untilStopped && !finishing ? 'End the run here and score it on the whole val and test splits' : undefined}
        >
          {!active ? 'Stop' : finishing ? 'Stop now' : untilStopped ? 'Finish' : 'Stop'}
        </button>
      </div>
      {active ? null : <RunEstimate />}
      {measuring && !active ? (
        <p className="small muted" role="status" data-testid="start-waits-for-backend">
          Measuring the fastest backend here (a few seconds): Start is ready when it is chosen.
        </p>
      ) : null}
      {comparing && !active ? (
        <p className="small muted" role="status" data-testid="start-blocked-by-compare">
          A comparison is running on the Compare page; Start is available when it ends or is cancelled.
        </p>
      ) : null}
      {problems.length > 0 && !active ? (
        <div className="start-problems" role="status">
          <strong>Start is disabled:</strong>
          <ul>
            {problems.map((p) => (
              <li key={p.field + p.message}>{p.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <RunProgress />
      <RunError />
    </div>
  );
}

/** The ended run (its student, terms and numbers included), else the configuration as it stands. */
function LabPytorchExport() {
  const active = useLab((s) => isActive(s.run.status));
  const runId = useLab((s) => s.run.id);
  const result = useLab((s) => s.run.result);
  const config = useLab((s) => s.config);
  const { stale } = useShownRun();
  const ran = runId && result && result.steps > 0 ? { runId, result } : null;
  const request = () =>
    ran
      ? { config: ran.result.config, terms: ran.result.terms, runId: ran.runId, labResult: ran.result, origin: 'A Distillation Lab run (Lab page)' }
      : { config, origin: 'A Distillation Lab configuration (Lab page, not run)' };
  if (active) return null;
  const label = ran ? (stale ? 'Export the previous run as PyTorch' : 'Export this run as PyTorch') : 'Export as PyTorch';
  return <PytorchExportButton request={request} testId="export-pytorch" label={label} />;
}

/** Before Start: the planned steps at the speed the last run of this set-up measured on this backend. */
function RunEstimate() {
  const known = useLabEstimate();
  if (!known) {
    return (
      <p className="small muted run-estimate" data-testid="run-estimate">
        Time to expect: known once the backend is ready.
      </p>
    );
  }
  const { estimate, backend } = known;
  const long = estimate.seconds !== null && estimate.seconds > LONG_RUN_SECONDS;
  const text = estimateText(estimate, backend);
  return (
    <p className={long ? 'small run-estimate' : 'small muted run-estimate'} data-testid="run-estimate" data-long={long} data-seconds={estimate.seconds ?? ''} data-steps={estimate.steps} title={text}>
      {text}
    </p>
  );
}

function RunProgress() {
  const status = useLab((s) => s.run.status);
  const phase = useLab((s) => s.run.phase);
  const detail = useLab((s) => s.run.phaseDetail);
  const progress = useLab((s) => s.run.progress);
  const epochs = useLab((s) => s.run.result?.config.epochs);
  const result = useLab((s) => s.run.result);
  if (status === 'idle') return <p className="muted small">Pick a setup and press Start. Every change is saved in the page's URL.</p>;
  // A run that trains until stopped has no end to measure against (its totalSteps is Infinity): no bar fraction.
  const endless = progress !== null && !Number.isFinite(progress.totalSteps);
  const fraction = progress && progress.totalSteps > 0 && !endless ? progress.step / progress.totalSteps : 0;
  if (status === 'stopped') {
    const step = result?.steps ?? progress?.step ?? 0;
    const text = step === 0 && !result ? 'Stopped before training began: nothing was trained' : `Run ${stoppedAtText(step, result?.totalSteps ?? progress?.totalSteps)}`;
    return (
      <div className="run-progress">
        <progress max={1} value={fraction} aria-label="Run progress" data-testid="run-progress" />
        <p className="small" aria-live="polite" data-testid="run-stopped">
          {text}
        </p>
      </div>
    );
  }
  const phaseText = status === 'paused' ? 'Paused' : phase ? PHASE_TEXT[phase] : status === 'done' ? 'Finished' : status === 'error' ? 'Stopped by an error' : '';
  return (
    <div className="run-progress">
      {endless && status !== 'done' ? (
        <progress aria-label="Run progress: until you press Finish" data-testid="run-progress" />
      ) : (
        <progress max={1} value={status === 'done' ? 1 : fraction} aria-label="Run progress" data-testid="run-progress" />
      )}
      <p className="small" aria-live="polite">
        {phaseText}
        {detail ? ` · ${detail}` : ''}
        {progress && endless ? ` · step ${progress.step.toLocaleString('en')} · epoch ${Math.ceil(progress.epoch)}${status === 'done' ? '' : ' · until you press Finish'}` : ''}
        {progress && !endless ? ` · step ${progress.step.toLocaleString('en')} / ${progress.totalSteps.toLocaleString('en')} · epoch ${Math.min(Math.ceil(progress.epoch), epochs ?? Infinity)}` : ''}
        {status === 'training' && progress && !endless ? <TimeLeft step={progress.step} totalSteps={progress.totalSteps} /> : null}
      </p>
    </div>
  );
}

/** Time left, from the pace the run has kept since its first reported step (updated with each report). */
function TimeLeft({ step, totalSteps }: { step: number; totalSteps: number }) {
  const runId = useLab((s) => s.run.id);
  const first = useRef<{ runId: string | null; sample: ProgressSample } | null>(null);
  const now = { at: performance.now(), step };
  if (first.current?.runId !== runId || step < first.current.sample.step) first.current = { runId, sample: now };
  const seconds = timeLeft(first.current.sample, now, totalSteps);
  if (seconds === null) return null;
  return (
    <span data-testid="time-left" data-seconds={seconds.toFixed(1)}>
      {' '}
      · about {formatDuration(seconds)} left
    </span>
  );
}

function RunError() {
  const status = useLab((s) => s.run.status);
  const error = useLab((s) => s.run.error);
  if (status !== 'error' || !error) return null;
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <strong>{error.message}</strong>
      {error.step !== undefined && !error.message.includes(`step ${error.step}`) ? <span> (step {error.step})</span> : null}
      {error.suggestion ? <p>{error.suggestion}</p> : null}
    </div>
  );
}

/** A selector's fallback must be one array: a new one each time makes the store's subscribers loop. */
const NO_NAMES: readonly string[] = [];

export function ResultsPanel() {
  const result = useLab((s) => s.run.result);
  const ended = useLab((s) => runEnded(s.run.id, s.run.status, s.run.result));
  const evals = useLab((s) => s.run.evals);
  const latest = evals[evals.length - 1];
  const testAccuracy = result ? result.testAccuracy : latest?.testAccuracy;
  const stopped = result?.status === 'stopped';
  const classNames = useLab((s) => s.datasets[s.run.result?.config.dataset ?? '']?.summary?.classNames ?? NO_NAMES);
  const shown = useShownRun();
  return (
    <section className="panel results" aria-label="Results">
      {shown.heading ? (
        <p className={shown.stale ? 'run-heading previous-run' : 'run-heading muted small'} data-testid="run-heading" data-stale={shown.stale}>
          {shown.stale ? <strong>Previous run — the set-up has changed since; press Start to run it. </strong> : null}
          {shown.stale ? 'These results are for ' : 'This run: '}
          {shown.heading}
        </p>
      ) : null}
      {result?.omitted ? (
        <p className="demo-sentence" data-testid="demo-sentence" role="status">
          {neverSeenSentence(result.omitted, classNames)}
        </p>
      ) : null}
      <div className="headline">
        <div className="headline-stat">
          <span className="stat-label">Test accuracy{result ? '' : latest ? ' (latest)' : ''}</span>
          <span className="stat-value" data-testid="test-accuracy">
            {formatPercent(testAccuracy)}
          </span>
        </div>
        <Stat label="Test MPA" value={formatPercent(result?.testMpa)} testId="test-mpa" />
        <Stat label="Val accuracy" value={formatPercent(result ? result.valAccuracy : latest?.valAccuracy)} testId="val-accuracy" />
        <Stat label="Val MPA" value={formatPercent(result?.valMpa)} testId="val-mpa" />
        <Stat label="Wall time" value={result ? `${result.seconds.toFixed(1)} s` : '—'} testId="wall-time" />
        <Stat label="Samples/s" value={result ? result.samplesPerSecond.toFixed(0) : '—'} testId="samples-per-second" />
      </div>
      {result ? (
        <p className="muted small">
          {stopped ? `Stopped early (${stoppedAtText(result.steps, result.totalSteps)}${result.scoredOn ? `, ${scoredOnText(result)}` : ''}) · ` : ''}
          {result.steps.toLocaleString('en')} steps on {result.backend} · {isTeacherArchitecture(result.config.student) ? 'teacher' : 'student'}{' '}
          {result.studentParameters.toLocaleString('en')} parameters
          {usesTeacher(result.config) ? ` · teacher logits ${result.teacherCached ? 'cached' : 'computed live'}` : ''}
        </p>
      ) : null}
      {/* After a run, the export is one of the run's actions; before, it exports the configuration. */}
      {ended ? <LabRunActions /> : <LabPytorchExport />}
    </section>
  );
}

/** A run that ended, done or stopped, after training at least one step. */
function runEnded(runId: string | null, status: string, result: RunResult | null): boolean {
  return Boolean(runId && result && (status === 'done' || status === 'stopped') && result.steps > 0);
}

/**
 * What to do with a run that ended (done or stopped after training at least one step): the
 * Compare table's actions, for the Lab's run.
 */
function LabRunActions() {
  const runId = useLab((s) => s.run.id);
  const status = useLab((s) => s.run.status);
  const result = useLab((s) => s.run.result);
  const teacherUpload = useLab((s) => s.teacherUpload);
  const trainingTeacher = useLab((s) => s.teacherTraining !== null);
  const [note, setNote] = useState<{ runId: string; text: string } | null>(null);
  const [loadingTeacher, setLoadingTeacher] = useState(false);
  if (!runId || !result || !runEnded(runId, status, result)) return null;
  const say = (text: string) => setNote({ runId, text });
  const download = async (part: 'model' | 'weights') => {
    const { files, message } = await labStudentFiles(runId);
    if (!files) return say(message);
    if (part === 'model') downloadBlob('model.json', new Blob([files.modelJson], { type: 'application/json' }));
    else downloadBlob(WEIGHTS_FILE, new Blob([files.weights]));
  };
  const useAsTeacher = () => {
    setLoadingTeacher(true);
    say('');
    void loadLabStudentAsTeacher(runId, result)
      .then((message) => say(message || 'Sent to the teacher check: the Teacher field shows the result.'))
      .finally(() => setLoadingTeacher(false));
  };
  const distilFromIt = () => {
    setLoadingTeacher(true);
    say('');
    void distilFromTrainedTeacher(runId, result)
      .then((message) => say(message || 'This network is now the teacher; the set-up from before is back, distilling from it.'))
      .finally(() => setLoadingTeacher(false));
  };
  // A network of a teacher architecture is called a teacher in every word here, and offers one way onward.
  const teacherNet = isTeacherArchitecture(result.config.student);
  const teacherRun = trainingTeacher && teacherNet;
  const role = teacherNet ? 'teacher' : 'student';
  const shownNote = note?.runId === runId ? note.text : '';
  return (
    <div className="lab-run-actions" role="group" aria-label="This run's student and result" data-testid="lab-run-actions">
      <div className="button-row">
        {teacherRun ? (
          <button type="button" className="primary" data-testid="lab-use-trained-teacher" disabled={loadingTeacher || teacherUpload.status === 'checking'} onClick={distilFromIt}>
            Use as teacher and distil
          </button>
        ) : null}
        <button type="button" data-testid="lab-download-model-json" onClick={() => void download('model')}>
          Download {role} (model.json)
        </button>
        <button type="button" data-testid="lab-download-weights" onClick={() => void download('weights')}>
          Download weights ({WEIGHTS_FILE})
        </button>
        {teacherRun ? null : (
          <button
            type="button"
            data-testid="lab-use-as-teacher"
            disabled={loadingTeacher || teacherUpload.status === 'checking'}
            title={`Load this ${role} as the Lab's teacher (the same check as loading files by hand)`}
            onClick={useAsTeacher}
          >
            Use as teacher
          </button>
        )}
        <button type="button" data-testid="lab-export-json" onClick={() => exportResult(runId, result)}>
          Export result (JSON)
        </button>
        <LabPytorchExport />
      </div>
      {shownNote ? (
        <p className="small muted" role="status" data-testid="lab-run-actions-note">
          {shownNote}
        </p>
      ) : null}
    </div>
  );
}

function exportResult(runId: string, result: RunResult): void {
  downloadBlob('result.json', new Blob([labResultJson(runId, result)], { type: 'application/json' }));
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value-small" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}
