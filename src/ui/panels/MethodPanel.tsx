import { methodSpec, hasMethod, METHODS, type ParamSpec } from '../../kd/methods';
import { studentArchitectures } from '../../models/architectureSpecs';
import { setMethod, setNumber, setParam } from '../../state/configActions';
import { numberKnob, paramTestId } from '../../state/knobs';
import { setLabelledFraction, setPeerStudent, setRecipeMode } from '../../state/methodActions';
import { useProblem } from '../../state/problems';
import { useLab } from '../../state/store';
import { distillTerms } from '../../train/config';
import { isControlHidden } from '../hiddenControls';
import { NumberField, Panel, SelectField } from '../fields';
import { useRunActive } from '../hooks';
import { LayerPicker } from './LayerPicker';
import { weightHelp } from './methodHelp';
import { MethodSummary, RecipeEditor } from './RecipeEditor';
import { FlagToggle } from './TrainingPanel';

const METHOD_OPTIONS = METHODS.map((m) => ({ value: m.id, label: m.label }));
const KD_RATIO = numberKnob('kdRatio');
const LABELLED = numberKnob('labelledFraction');
const STUDENTS = studentArchitectures();
/** The temperatures worth sliding through (T = 20 is Hinton's never-seen-class setting); the box takes up to the method's maximum. */
const TEMPERATURE_SLIDER = { min: 0.5, max: 30 };

export function MethodPanel() {
  const methodId = useLab((s) => s.config.method);
  const recipe = useLab((s) => s.config.terms !== undefined);
  const active = useRunActive();
  const method = hasMethod(methodId) ? methodSpec(methodId) : null;
  const distils = recipe || (method !== null && method.kind !== 'none');
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
          recipe ? (
            <>Picking a method here trains it alone (the recipe below is left).</>
          ) : method ? (
            <MethodSummary id={method.id} />
          ) : null
        }
      />
      <RecipeToggle recipe={recipe} disabled={active} />
      {recipe ? (
        <RecipeEditor />
      ) : (
        <>
          {method?.params.map((spec) => <ParamField key={`${method.id}.${spec.name}`} spec={spec} />)}
          {method && method.kind !== 'none' ? <KdRatioField /> : null}
          {method && method.kind !== 'none' ? <FlagToggle flag="untilStopped" /> : null}
          {method?.kind === 'mutual' ? <PeerStudentPicker /> : null}
          <SingleMethodLayers disabled={active} />
        </>
      )}
      {distils ? <LabelledFractionField disabled={active} /> : null}
      {!recipe && method && method.kind !== 'none' ? (
        <p className="muted small" data-testid="live-knobs-note">
          Temperature, kd_ratio and the method&apos;s other numbers change the running run from its next step, without pausing; the loss chart marks each
          change at the step it took effect.
        </p>
      ) : null}
    </Panel>
  );
}

function RecipeToggle({ recipe, disabled }: { recipe: boolean; disabled: boolean }) {
  if (isControlHidden('recipe-toggle')) return null;
  return (
    <div className="field field-check">
      <label>
        <input type="checkbox" data-testid="recipe-toggle" checked={recipe} disabled={disabled} onChange={(e) => setRecipeMode(e.target.checked)} />
        Combine several methods (a recipe)
      </label>
      <p className="field-help">Each term has its own method, weight and parameters; the loss chart draws one line per term.</p>
    </div>
  );
}

function SingleMethodLayers({ disabled }: { disabled: boolean }) {
  const config = useLab((s) => s.config);
  const [term] = distillTerms(config);
  if (!term) return null;
  return <LayerPicker index={0} term={term} testIdPrefix="" disabled={disabled} />;
}

/** Every method parameter is read afresh by each training step, so each one is a live slider. */
function ParamField({ spec }: { spec: ParamSpec }) {
  const value = useLab((s) => s.config.params[spec.name]);
  const problem = useProblem(`param.${spec.name}`);
  const testId = paramTestId(spec.name);
  const range = spec.name === 'temperature' ? TEMPERATURE_SLIDER : { min: spec.minExclusive ? spec.min + spec.step : spec.min, max: spec.max };
  return (
    <NumberField
      label={spec.label}
      help={spec.help}
      problem={problem}
      testId={testId}
      value={value ?? spec.default}
      onValue={(v, from) => setParam(spec.name, v ?? Number.NaN, from)}
      min={spec.min}
      max={spec.max}
      step={spec.step}
      slider={{ testId: testId.replace(/-input$/, '-slider'), label: spec.label, ...range }}
    />
  );
}

/**
 * kd mixes by ratio: its weight is a share in [0, 1], a slider with the number beside it. Every
 * other method adds its term to CE: a plain weight on the method's own scale.
 */
function KdRatioField() {
  const value = useLab((s) => s.config.kdRatio);
  const methodId = useLab((s) => s.config.method);
  const problem = useProblem('kdRatio');
  const method = hasMethod(methodId) ? methodSpec(methodId) : null;
  if (method?.mixing === 'ratio') {
    return (
      <NumberField
        label={`Soft-label share r (${KD_RATIO.label})`}
        help={`Trains (1 − r)·CE + r·${method.id}: 0 = hard labels only, 1 = the teacher's soft labels only. A share stops at 1: above it the hard-label weight would jump back to 1 (CE + r·${method.id}; a recipe trains that).`}
        problem={problem}
        testId={KD_RATIO.testId}
        value={value}
        onValue={(v, from) => setNumber('kdRatio', v ?? Number.NaN, from)}
        min={0}
        max={1}
        step={KD_RATIO.step}
        slider={{ testId: 'kd-ratio-slider', label: 'Soft-label share' }}
      />
    );
  }
  return (
    <NumberField
      label={`Weight of the ${method?.id ?? 'distillation'} term (${KD_RATIO.label})`}
      help={method ? weightHelp(method) : KD_RATIO.help}
      problem={problem}
      testId={KD_RATIO.testId}
      value={value}
      onValue={(v) => setNumber('kdRatio', v ?? Number.NaN)}
      min={KD_RATIO.min}
      step={KD_RATIO.step}
    />
  );
}

function PeerStudentPicker() {
  const peer = useLab((s) => s.config.peerStudent ?? s.config.student);
  const counts = useLab((s) => s.parameters?.[s.config.dataset]);
  const active = useRunActive();
  const options = STUDENTS.map((arch) => ({
    value: arch.id,
    label: counts?.[arch.id] !== undefined ? `${arch.label} — ${counts[arch.id].toLocaleString('en')} parameters` : arch.label,
  }));
  return (
    <SelectField
      label="Peer student"
      testId="peer-student-select"
      value={peer}
      options={options}
      onValue={setPeerStudent}
      disabled={active}
      help="DML and UDML train this second student together with the first; each learns from the labels and from the other (UDML also from its feature map at the chosen block). Both curves are charted (the peer's dashed)."
    />
  );
}

function LabelledFractionField({ disabled }: { disabled: boolean }) {
  const value = useLab((s) => s.config.labelledFraction);
  const problem = useProblem('labelledFraction');
  return (
    <NumberField
      label={LABELLED.label}
      help={LABELLED.help}
      problem={problem}
      testId={LABELLED.testId}
      value={value}
      optional
      onValue={setLabelledFraction}
      min={LABELLED.min}
      max={LABELLED.max}
      step={LABELLED.step}
      placeholder={LABELLED.placeholder}
      disabled={disabled}
    />
  );
}
