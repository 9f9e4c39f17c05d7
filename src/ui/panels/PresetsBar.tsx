import { useId, useState } from 'react';
import { choosePreset, type PresetOutcome } from '../../state/presetActions';
import { getPreset, PRESETS, type Preset, type PresetRun } from '../../state/presets';
import { comparisonEntries, startComparison } from '../../state/compareQueue';
import { useCompare } from '../../state/compare';
import { useLab } from '../../state/store';
import { trainCount } from '../../state/problems';
import { browserSpeeds, comparisonKey, estimateRuns, formatDuration, rememberedComparison } from '../../state/estimate';
import { browserStorage } from '../../state/storedRecords';
import { plannedSteps } from '../../train/schedule';
import type { ViewId } from '../views';
import { HIDEABLE_PANELS } from '../../state/classroom';

/** The knobs a preset leaves alone, in words (PRESET_KEEPS). */
const keptText = 'dataset and student (unless the preset names them), teacher, epochs (or steps), seed, sample limits, evaluation interval and omitted classes';
import { hiddenControls } from '../hiddenControls';
import { Panel } from '../fields';
import { useLabEstimate, useRunActive } from '../hooks';

/**
 * A preset that queued a comparison puts its own start where the eye is: what will run (lanes ×
 * seeds), how long that takes here, and one button that starts it and opens the Compare page.
 */
function QueuedComparison({ preset, onOpen }: { preset: Preset; onOpen(view: ViewId): void }) {
  const planned = useCompare((s) => s.planned);
  const seeds = useCompare((s) => s.seeds);
  const baselineLabel = useCompare((s) => s.baselineLabel);
  const queue = useCompare((s) => s.queue.status);
  const backend = useLab((s) => s.backend?.name);
  const count = useLab((s) => trainCount(s));
  const active = useRunActive();
  if (planned.length === 0) return null;
  const lanes = [baselineLabel, ...planned.map((run) => run.label)];
  const runs = lanes.length * seeds;
  // The runs exactly as the comparison will queue them (its baseline included): the key its time was
  // kept under, and else each run at its set-up's measured speed.
  const entries = comparisonEntries(planned, 'estimate', seeds, baselineLabel);
  const students = entries.filter((entry) => entry.kind === 'student').map(({ config }) => ({ config, steps: plannedSteps(config, Math.floor((count ?? 0) / config.batchSize)) }));
  const remembered = backend ? rememberedComparison(browserStorage(), comparisonKey(backend, entries)) : null;
  const seconds = remembered ?? (backend && count !== undefined ? estimateRuns(students, browserSpeeds(), backend) : null);
  const time =
    seconds === null
      ? `its time is known after a first run on ${backend ?? 'this backend'}`
      : `about ${formatDuration(seconds)} here${remembered !== null ? ' (as it took last time)' : ''}`;
  const name = preset.race?.title ?? preset.label;
  return (
    <div className="preset-race" data-testid="preset-race">
      <p>
        <strong>{name}</strong> runs on the Compare page: {lanes.join(', ')}, {seeds} seed{seeds === 1 ? '' : 's'} each — {runs} runs and the teacher&apos;s
        scores, {time}. The Lab&apos;s Start trains one run of it alone.
      </p>
      <button
        type="button"
        className="primary"
        data-testid="preset-start-race"
        disabled={active || queue !== 'idle'}
        onClick={() => {
          void startComparison();
          onOpen('compare');
        }}
      >
        Start the race ({runs} runs)
      </button>
    </div>
  );
}

/** A preset's run, timed here: the Lab's estimate of the set-up the preset made (what Start will train). */
function PresetTime() {
  const known = useLabEstimate();
  if (!known) return null;
  const { estimate, backend } = known;
  return (
    <span data-testid="preset-time" data-seconds={estimate.seconds ?? ''}>
      {' '}
      {estimate.seconds === null
        ? `Its time here is known after a first run of this set-up on ${backend}.`
        : `In this browser it takes about ${formatDuration(estimate.seconds)} on ${backend} (measured by the last such run).`}
    </span>
  );
}

export function PresetsBar({ onOpen }: { onOpen(view: ViewId): void }) {
  const active = useRunActive();
  const [chosen, setChosen] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<PresetOutcome>({ queued: 0, queueBusy: false });
  const [version, setVersion] = useState<'full' | 'short'>('full');
  const noteId = useId();
  const preset = chosen ? getPreset(chosen) : null;
  return (
    <Panel title="Presets" className="presets-bar">
      <div className="preset-buttons" role="group" aria-label="Presets" aria-describedby={noteId}>
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            className={p.id === chosen ? 'preset-button chosen' : 'preset-button'}
            data-testid={`preset-${p.id}`}
            title={p.description}
            disabled={active}
            onClick={() => {
              setOutcome(choosePreset(p.id));
              setChosen(p.id);
              setVersion('full');
            }}
          >
            {p.label}
          </button>
        ))}
      </div>
      {preset && outcome.queued > 0 ? <QueuedComparison preset={preset} onOpen={onOpen} /> : null}
      <p id={noteId} className="muted small preset-note" aria-live="polite" data-testid="preset-note">
        {preset ? (
          <>
            {preset.description}
            {preset.run ? <span data-testid="preset-run"> It sets its own run: {describeRun(preset.run)}.</span> : null}
            {version === 'full' ? <PresetTime /> : null}
            {preset.short ? (
              <span className="preset-short">
                {' '}
                {version === 'short' ? (
                  <>
                    Set to the short version: {describeRun(preset.short.run)}.<PresetTime />
                  </>
                ) : preset.run ? (
                  'Short of time? A shorter version gives a smaller effect. '
                ) : (
                  'The full length trains on the whole dataset. '
                )}
                {version === 'full' ? (
                  <button
                    type="button"
                    className="link-button"
                    data-testid="preset-short"
                    disabled={active}
                    onClick={() => {
                      setOutcome(choosePreset(preset.id, 'short'));
                      setVersion('short');
                    }}
                  >
                    Use the short version: {preset.short.label}
                  </button>
                ) : null}
              </span>
            ) : null}
            {outcome.queued > 0 ? (
              <span className="preset-outcome" data-testid="preset-queued">
                {' '}
                {outcome.queued === 1 ? '1 run' : `${outcome.queued} runs`} (kd_ratio {preset.kdRatioSweep?.map((run) => run.kdRatio).join(' / ')}){' '}
                {outcome.queued === 1 ? 'now waits' : 'now wait'} on the Compare page, replacing what was queued there; the Lab itself is set to kd_ratio{' '}
                {preset.settings.kdRatio}.
              </span>
            ) : outcome.queueBusy ? (
              <span className="preset-outcome"> A comparison is running, so its {preset.kdRatioSweep?.length} runs were not queued: click again when it ends.</span>
            ) : null}
          </>
        ) : (
          'One click sets up a known experiment.'
        )}
      </p>
      <p className="muted small" data-testid="preset-rule">
        A preset starts from the defaults: it sets the method, its parameters, kd_ratio, optimizer, learning rate, momentum, weight decay, schedule, batch size
        and turns the training extras (augmentation, EMA, R-Drop, TTA, label-free) off, then applies its own values. It keeps your {keptText}, except that a classroom demo sets its own run (its numbers depend on it). The same
        click always gives the same run.
      </p>
    </Panel>
  );
}

/** A demo preset's run in words: "100 training images, 60 epochs, class 3 left out". */
function describeRun(run: PresetRun): string {
  const parts = [run.trainLimit !== undefined ? `${run.trainLimit.toLocaleString('en')} training images` : 'the whole training set'];
  parts.push(run.steps !== undefined ? `${run.steps.toLocaleString('en')} steps` : `${run.epochs} epochs`);
  if (run.omitClasses?.length) parts.push(`class ${run.omitClasses.join(', ')} left out of training`);
  return parts.join(', ');
}

/**
 * Says which controls a classroom link hides, so nobody wonders where they went, and which names it
 * did not understand; shown on every page, even when the presets panel itself is hidden.
 */
export function ClassroomNote() {
  const { names, unknown } = hiddenControls();
  if (names.length === 0 && unknown.length === 0) return null;
  return (
    <>
      {names.length > 0 ? (
        <p className="classroom-note small" data-testid="classroom-note">
          Classroom view: {names.join(', ')} {names.length === 1 ? 'is' : 'are'} hidden; their values still apply.
        </p>
      ) : null}
      {unknown.length > 0 ? (
        <p className="classroom-note small" role="status" data-testid="classroom-unknown">
          This link&apos;s hide= names {unknown.map((name) => `"${name}"`).join(', ')}, which {unknown.length === 1 ? 'is' : 'are'} not a control or panel of the
          lab, so nothing was hidden for {unknown.length === 1 ? 'it' : 'them'}. Known panels: {HIDEABLE_PANELS.join(', ')}; controls by their URL name (lr,
          epochs, kd_ratio…).
        </p>
      ) : null}
    </>
  );
}
