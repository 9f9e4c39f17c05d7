import { getMethod, hasMethod, METHODS, type ParamSpec } from '../../kd';
import { setMethod, setNumber, setParam } from '../../state/actions';
import { numberKnob, paramTestId } from '../../state/knobs';
import { useProblem } from '../../state/problems';
import { useLab } from '../../state/store';
import { NumberField, Panel, SelectField } from '../fields';
import { useRunActive } from '../hooks';

const METHOD_OPTIONS = METHODS.map((m) => ({ value: m.id, label: m.label }));
const KD_RATIO = numberKnob('kdRatio');

export function MethodPanel() {
  const methodId = useLab((s) => s.config.method);
  const active = useRunActive();
  const method = hasMethod(methodId) ? getMethod(methodId) : null;
  return (
    <Panel title="Distillation">
      <SelectField
        label="Method"
        testId="method-select"
        value={methodId}
        options={METHOD_OPTIONS}
        onValue={setMethod}
        disabled={active}
        help={
          method ? (
            <>
              {method.summary}
              {method.paper ? (
                <>
                  {' '}
                  <a href={method.paper.url} target="_blank" rel="noreferrer">
                    {method.paper.authors} {method.paper.year}
                  </a>
                </>
              ) : null}
            </>
          ) : null
        }
      />
      {method?.params.map((spec) => <ParamField key={`${method.id}.${spec.name}`} spec={spec} />)}
      {method && method.kind !== 'none' ? <KdRatioField /> : null}
      {method && method.kind !== 'none' ? (
        <p className="muted small">Temperature and kd_ratio can be changed while a run is paused; they apply from the next step.</p>
      ) : null}
    </Panel>
  );
}

function ParamField({ spec }: { spec: ParamSpec }) {
  const value = useLab((s) => s.config.params[spec.name]);
  const problem = useProblem(`param.${spec.name}`);
  return (
    <NumberField
      label={spec.label}
      help={spec.help}
      problem={problem}
      testId={paramTestId(spec.name)}
      value={value ?? spec.default}
      onValue={(v) => setParam(spec.name, v ?? Number.NaN)}
      min={spec.min}
      max={spec.max}
      step={spec.step}
    />
  );
}

function KdRatioField() {
  const value = useLab((s) => s.config.kdRatio);
  const problem = useProblem('kdRatio');
  return (
    <NumberField
      label={KD_RATIO.label}
      help={KD_RATIO.help}
      problem={problem}
      testId={KD_RATIO.testId}
      value={value}
      onValue={(v) => setNumber('kdRatio', v ?? Number.NaN)}
      min={KD_RATIO.min}
      step={KD_RATIO.step}
    />
  );
}
