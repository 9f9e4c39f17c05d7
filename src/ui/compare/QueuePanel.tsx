// The queue builder: runs start from the Lab's configuration with another method, its knobs,
// kd_ratio and the training extras; a sweep typed as text adds one run per value.
import { useId, useState } from 'react';
import { methodSpec, hasMethod, METHODS } from '../../kd/methods';
import {
  clearPlan,
  datasetName,
  plannedRunSummary,
  planProblem,
  planRun,
  planRuns,
  seedsFrom,
  setSeedCount,
  unplanRun,
} from '../../state/comparePlan';
import { cancelComparison, startComparison } from '../../state/compareQueue';
import { MAX_SEEDS, useCompare } from '../../state/compare';
import { useLab } from '../../state/store';
import { CUSTOM_TEACHER } from '../../state/teacherChoice';
import { TTA_SHIFTS, withMethod, type ExperimentConfig } from '../../train/config';
import { runLabel } from '../../state/results';
import { parseSweep } from '../../state/sweep';
import { describedBy, Field, NumberField, SelectField } from '../fields';

const METHOD_OPTIONS = METHODS.map((m) => ({ value: m.id, label: m.label }));
const TTA_OPTIONS = [{ value: '0', label: 'Off' }, ...TTA_SHIFTS.map((s) => ({ value: String(s), label: `±${s} px (5 views)` }))];

interface Draft {
  method: string;
  params: Record<string, number>;
  kdRatio: number;
  ttaShift: number;
  emaDecay: number;
  rdropAlpha: number;
  label: string;
}

function draftFrom(config: ExperimentConfig): Draft {
  return {
    method: config.terms ? 'kd' : config.method,
    params: { ...config.params },
    kdRatio: config.kdRatio,
    ttaShift: config.ttaShift ?? 0,
    emaDecay: config.emaDecay ?? 0,
    rdropAlpha: config.rdropAlpha ?? 0,
    label: '',
  };
}

/** The Lab's configuration with the draft's method, knobs and extras. */
function configFrom(base: ExperimentConfig, draft: Draft): ExperimentConfig {
  const switched = base.terms || base.method !== draft.method ? withMethod(base, draft.method) : structuredClone(base);
  const config: ExperimentConfig = { ...switched, params: { ...switched.params } };
  if (hasMethod(draft.method)) for (const spec of methodSpec(draft.method).params) config.params[spec.name] = draft.params[spec.name] ?? spec.default;
  config.kdRatio = draft.kdRatio;
  config.ttaShift = draft.ttaShift;
  config.emaDecay = draft.emaDecay;
  config.rdropAlpha = draft.rdropAlpha;
  return config;
}

export function QueuePanel() {
  const base = useLab((s) => s.config);
  const teacherName = useLab((s) => (s.config.teacher === CUSTOM_TEACHER ? (s.uploadedTeacher?.name ?? 'your teacher') : s.config.teacher));
  const [draft, setDraft] = useState<Draft>(() => draftFrom(base));
  const method = hasMethod(draft.method) ? methodSpec(draft.method) : null;
  const config = configFrom(base, draft);
  const labelId = useId();
  const update = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <section className="panel compare-queue" aria-labelledby="compare-queue-title">
      <h2 id="compare-queue-title">Queue runs</h2>
      <p className="muted small" data-testid="compare-base">
        A run added now starts from the Lab&apos;s configuration — {datasetName(base.dataset)}, student {base.student}, teacher {teacherName || 'none'}, {base.epochs}{' '}
        epoch{base.epochs === 1 ? '' : 's'}, seed {base.seed}
        {base.trainLimit ? `, ${base.trainLimit} training samples` : ''} — and runs with the same seed: same initial weights, same batch order. The teacher and
        a student from scratch (scored with TTA when a run uses it) are always part of the comparison.
      </p>
      <p className="small compare-rule" data-testid="compare-rule">
        <strong>A queued run is frozen when it is added:</strong> it trains the configuration listed beside it, whatever the Lab is set to later. To take up
        new Lab settings, clear the queue and add the runs again.
      </p>
      <div className="compare-builder">
        <div className="compare-form" role="group" aria-label="Add a run">
          <h3>Add a run</h3>
          <SelectField
            label="Method"
            testId="compare-method-select"
            value={draft.method}
            options={METHOD_OPTIONS}
            onValue={(id) => {
              const switched = withMethod(configFrom(base, draft), id);
              update({ method: id, params: switched.params, kdRatio: switched.kdRatio });
            }}
          />
          <div className="field-grid">
            {method?.params.map((spec) => (
              <NumberField
                key={`${method.id}.${spec.name}`}
                label={spec.label}
                testId={`compare-param-${spec.name}-input`}
                value={draft.params[spec.name] ?? spec.default}
                min={spec.min}
                max={spec.max}
                step={spec.step}
                onValue={(v) => update({ params: { ...draft.params, [spec.name]: v ?? Number.NaN } })}
              />
            ))}
            {method && method.kind !== 'none' ? (
              <NumberField label="kd_ratio" testId="compare-kd-ratio-input" value={draft.kdRatio} min={0} step={0.05} onValue={(v) => update({ kdRatio: v ?? Number.NaN })} />
            ) : null}
            <SelectField label="Test-time augmentation" testId="compare-tta-select" value={String(draft.ttaShift)} options={TTA_OPTIONS} onValue={(v) => update({ ttaShift: Number(v) })} />
            <NumberField
              label="EMA decay (0 = off)"
              testId="compare-ema-input"
              value={draft.emaDecay}
              min={0}
              max={0.9999}
              step={0.001}
              onValue={(v) => update({ emaDecay: v ?? 0 })}
            />
            <NumberField
              label="R-Drop alpha (0 = off)"
              testId="compare-rdrop-input"
              value={draft.rdropAlpha}
              min={0}
              step={0.5}
              onValue={(v) => update({ rdropAlpha: v ?? 0 })}
            />
          </div>
          <p className="muted small">
            TTA scores the test set on the image and its shifts (a second pair of test columns); EMA evaluates a moving average of the weights (e.g.
            0.999); R-Drop adds alpha × the symmetric KL of two dropout passes.
          </p>
          <Field id={labelId} label="Label (optional)">
            <input
              id={labelId}
              type="text"
              className="text-input"
              data-testid="compare-label-input"
              placeholder={runLabel(config)}
              value={draft.label}
              onChange={(e) => update({ label: e.target.value })}
            />
          </Field>
          <AddRunButton config={config} label={draft.label} onAdded={() => update({ label: '' })} />
        </div>
        <SweepForm base={config} />
      </div>
      <SeedCountField />
      <PlannedList />
      <QueueControls />
    </section>
  );
}

function AddRunButton({ config, label, onAdded }: { config: ExperimentConfig; label: string; onAdded(): void }) {
  const problem = planProblem([{ key: 'draft', label: label || runLabel(config), config }], 1);
  const problemId = useId();
  return (
    <div className="compare-add">
      <button
        type="button"
        data-testid="compare-add-run"
        disabled={problem !== null}
        aria-describedby={problem ? problemId : undefined}
        onClick={() => {
          planRun(config, label);
          onAdded();
        }}
      >
        Add to queue
      </button>
      {problem ? (
        <p className="field-problem" id={problemId} role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function SweepForm({ base }: { base: ExperimentConfig }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const help = 'One knob and its values: "temperature 1, 2, 4, 8, 16", "kd_ratio 0 … 1" (5 values), "lr 0.001 ... 0.01 step 0.003", "method kd, dkd, dist".';
  const add = () => {
    const parsed = parseSweep(text, base);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(null);
    planRuns(parsed.runs.map((run) => ({ label: `${base.method === 'none' || parsed.knob === 'method' ? '' : `${base.method} `}${run.label}`, config: run.config })));
    setText('');
  };
  return (
    <form
      className="compare-form"
      aria-label="Add a sweep"
      onSubmit={(event) => {
        event.preventDefault();
        add();
      }}
    >
      <h3>Add a sweep</h3>
      <Field id={id} label="Sweep" help={help} problem={error}>
        <input
          id={id}
          type="text"
          className="text-input"
          data-testid="compare-sweep-input"
          placeholder="temperature 1, 2, 4, 8, 16"
          value={text}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, help, error)}
          onChange={(e) => {
            setText(e.target.value);
            if (error) setError(null);
          }}
        />
      </Field>
      <p className="muted small">The sweep varies the run set up on the left (its method, knobs and extras).</p>
      <button type="submit" data-testid="compare-add-sweep" disabled={text.trim() === ''}>
        Add sweep
      </button>
    </form>
  );
}

/** "Repeat each run over N seeds": the baseline and every queued run, seed, seed + 1, … */
function SeedCountField() {
  const seeds = useCompare((s) => s.seeds);
  const running = useCompare((s) => s.queue.status !== 'idle');
  return (
    <div className="compare-seeds">
      <NumberField
        label="Repeat each run over N seeds"
        testId="compare-seeds-input"
        value={seeds}
        min={1}
        max={MAX_SEEDS}
        step={1}
        disabled={running}
        problem={Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS ? undefined : `A whole number from 1 to ${MAX_SEEDS}.`}
        help="Each queued run and the student from scratch train once per seed (seed, seed + 1, …): the table shows the mean ± standard deviation, the curves the mean with a band."
        onValue={(v) => setSeedCount(v ?? Number.NaN)}
      />
    </div>
  );
}

function PlannedList() {
  const planned = useCompare((s) => s.planned);
  const seeds = useCompare((s) => s.seeds);
  const running = useCompare((s) => s.queue.status !== 'idle');
  if (planned.length === 0) return <p className="muted small compare-planned-empty">No runs queued yet.</p>;
  const repeats = Number.isInteger(seeds) && seeds > 1 ? seeds : 1;
  const seedList = (seed: number) => seedsFrom(seed, repeats).join(', ');
  return (
    <div className="compare-planned">
      <h3>
        Queued ({planned.length} run{planned.length === 1 ? '' : 's'} + teacher + student from scratch
        {repeats > 1 ? `, each run over ${repeats} seeds: ${(planned.length + 1) * repeats + 1} runs in all` : ''})
      </h3>
      <ol data-testid="compare-planned">
        {planned.map((run) => (
          <li key={run.key} data-seeds={repeats}>
            <span>
              {run.label}{' '}
              <span className="muted small" data-testid="compare-planned-config">
                ({plannedRunSummary(run.config)})
              </span>
              {repeats > 1 ? (
                <span className="chip" data-testid="compare-planned-seeds">
                  × {repeats} seeds: {seedList(run.config.seed)}
                </span>
              ) : null}
            </span>
            <button type="button" className="link-button" onClick={() => unplanRun(run.key)} disabled={running} aria-label={`Remove ${run.label} from the queue`}>
              Remove
            </button>
          </li>
        ))}
      </ol>
      <button type="button" className="link-button" onClick={clearPlan} disabled={running}>
        Clear the queue
      </button>
    </div>
  );
}

function QueueControls() {
  const queue = useCompare((s) => s.queue);
  const planned = useCompare((s) => s.planned.length);
  const current = useCompare((s) => (s.queue.current >= 0 ? s.entries[s.queue.current] : undefined));
  const seedOfCurrent = useCompare((s) => {
    const entry = s.queue.current >= 0 ? s.entries[s.queue.current] : undefined;
    return entry && s.entries.filter((e) => e.group === entry.group).length > 1 ? entry.config.seed : null;
  });
  const running = queue.status !== 'idle';
  return (
    <div className="compare-controls">
      <div className="button-row">
        <button type="button" className="primary" data-testid="compare-start" onClick={() => void startComparison()} disabled={running || planned === 0}>
          Run comparison
        </button>
        <button type="button" data-testid="compare-cancel" onClick={cancelComparison} disabled={queue.status !== 'running'}>
          Cancel queue
        </button>
      </div>
      {queue.problem ? (
        <p className="field-problem" role="alert" data-testid="compare-problem">
          {queue.problem}
        </p>
      ) : null}
      <div className="compare-progress" data-testid="compare-progress" data-status={queue.status} aria-live="polite">
        {running && current ? (
          <>
            <p>
              {queue.status === 'cancelling' ? 'Cancelling — finishing ' : ''}Run {queue.current + 1} of {queue.total}: <strong>{current.label}</strong>
              {seedOfCurrent !== null ? ` (seed ${seedOfCurrent})` : ''}
              {current.detail ? ` — ${current.detail}` : ''} — {Math.round(current.progress * 100)} %
            </p>
            <progress max={1} value={current.progress} aria-label={`Progress of ${current.label}`} />
            <progress max={queue.total} value={queue.current + current.progress} aria-label="Progress of the queue" />
          </>
        ) : queue.total > 0 ? (
          <p className="muted small">The comparison has ended.</p>
        ) : null}
      </div>
    </div>
  );
}
