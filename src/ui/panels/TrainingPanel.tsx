import { setChoice, setFlag, setNumber } from '../../state/configActions';
import { knobFor, numberKnob, type NumberKey } from '../../state/knobs';
import { useProblem } from '../../state/problems';
import { useLab } from '../../state/store';
import { NumberField, Panel, SelectField } from '../fields';
import { useRunActive } from '../hooks';
import { isControlHidden } from '../hiddenControls';

const OPTIMIZERS = [
  { value: 'adam', label: 'Adam' },
  { value: 'sgd', label: 'SGD with momentum' },
];
const SCHEDULES = [
  { value: 'constant', label: 'Constant' },
  { value: 'cosine', label: 'Cosine decay' },
];

export function TrainingPanel() {
  const optimizer = useLab((s) => s.config.optimizer);
  const schedule = useLab((s) => s.config.lrSchedule);
  const active = useRunActive();
  return (
    <Panel title="Training">
      <div className="field-grid">
        <SelectField label="Optimizer" testId={knobFor('optimizer').testId} value={optimizer} options={OPTIMIZERS} onValue={(v) => setChoice('optimizer', v)} disabled={active} />
        <KnobField knob="lr" />
        {optimizer === 'sgd' ? <KnobField knob="momentum" /> : null}
        <KnobField knob="weightDecay" />
        <SelectField label="LR schedule" testId={knobFor('lrSchedule').testId} value={schedule} options={SCHEDULES} onValue={(v) => setChoice('lrSchedule', v)} disabled={active} />
        <KnobField knob="batchSize" />
        <KnobField knob="epochs" />
        <KnobField knob="steps" />
        <KnobField knob="seed" />
        <KnobField knob="evalEvery" />
        <KnobField knob="trainLimit" />
        <KnobField knob="valLimit" />
        <KnobField knob="testLimit" />
      </div>
      <FlagToggle flag="augment" />
    </Panel>
  );
}

function KnobField({ knob: key }: { knob: NumberKey }) {
  const knob = numberKnob(key);
  const value = useLab((s) => s.config[key]);
  const problem = useProblem(key);
  const active = useRunActive();
  return (
    <NumberField
      label={knob.label}
      help={knob.help}
      problem={problem}
      testId={knob.testId}
      value={value}
      optional={knob.optional}
      onValue={(v) => setNumber(key, v)}
      min={knob.min}
      max={knob.max}
      step={knob.step}
      placeholder={knob.placeholder}
      disabled={active}
    />
  );
}

/** A yes/no knob of the knob table, with its help under it; fixed while a run trains. */
export function FlagToggle({ flag }: { flag: 'augment' | 'untilStopped' }) {
  const knob = knobFor(flag);
  const on = useLab((s) => s.config[flag] === true);
  const active = useRunActive();
  if (isControlHidden(knob.testId)) return null;
  return (
    <div className="field field-check">
      <label>
        <input type="checkbox" data-testid={knob.testId} checked={on} disabled={active} onChange={(e) => setFlag(flag, e.target.checked)} />
        {knob.label}
      </label>
      {knob.kind === 'boolean' ? <p className="field-help">{knob.help}</p> : null}
    </div>
  );
}
