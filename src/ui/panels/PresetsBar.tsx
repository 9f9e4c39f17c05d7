import { useId, useState } from 'react';
import { choosePreset, type PresetOutcome } from '../../state/presetActions';
import { getPreset, PRESETS } from '../../state/presets';
import { hiddenControls } from '../classroom';
import { Panel } from '../fields';
import { useRunActive } from '../hooks';

export function PresetsBar() {
  const active = useRunActive();
  const [chosen, setChosen] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<PresetOutcome>({ queued: 0, queueBusy: false });
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
            }}
          >
            {p.label}
          </button>
        ))}
      </div>
      <p id={noteId} className="muted small preset-note" aria-live="polite" data-testid="preset-note">
        {preset ? (
          <>
            {preset.description}
            {outcome.queued > 0 ? (
              <span className="preset-outcome" data-testid="preset-queued">
                {' '}
                {outcome.queued} runs (kd_ratio {preset.kdRatioSweep?.map((run) => run.kdRatio).join(' / ')}) now wait on the Compare page, replacing what was
                queued there; the Lab itself is set to kd_ratio {preset.settings.kdRatio}.
              </span>
            ) : outcome.queueBusy ? (
              <span className="preset-outcome"> A comparison is running, so its {preset.kdRatioSweep?.length} runs were not queued: click again when it ends.</span>
            ) : null}
          </>
        ) : (
          'One click sets the dataset, method and knobs of a known set-up; epochs, seed and limits stay as they are.'
        )}
      </p>
      <ClassroomNote />
    </Panel>
  );
}

/** Says which controls a classroom link hides, so nobody wonders where they went. */
function ClassroomNote() {
  const { names } = hiddenControls();
  if (names.length === 0) return null;
  return (
    <p className="classroom-note small" data-testid="classroom-note">
      Classroom view: {names.join(', ')} {names.length === 1 ? 'is' : 'are'} hidden; their values still apply.
    </p>
  );
}
