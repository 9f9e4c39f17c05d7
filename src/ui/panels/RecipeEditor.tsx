// A recipe: several distillation terms trained at once (config.terms), each with its own method,
// weight, parameters and, for methods that read layers, its own layer pairs. Every term is
// charted as its own line.
import { useState, useId } from 'react';
import { methodSpec, hasMethod, type ParamSpec } from '../../kd/methods';
import { addTerm, removeTerm, setTermMethod, setTermParam, setTermWeight } from '../../state/methodActions';
import { useProblem } from '../../state/problems';
import { RECIPE_METHODS } from '../../state/recipe';
import { useLab } from '../../state/store';
import type { DistillTerm } from '../../train/config';
import { NumberField, SelectField } from '../fields';
import { useRunActive } from '../hooks';
import { LayerPicker } from './LayerPicker';
import { weightHelp } from './methodHelp';

export function RecipeEditor() {
  const terms = useLab((s) => s.config.terms);
  const active = useRunActive();
  const problem = useProblem('terms');
  if (!terms) return null;
  return (
    <div className="recipe" data-testid="recipe-editor">
      {problem ? (
        <p className="field-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {terms.map((term, index) => (
        <TermEditor key={`${index}.${term.method}`} index={index} term={term} terms={terms} disabled={active} />
      ))}
      <AddTerm terms={terms} disabled={active} />
    </div>
  );
}

function TermEditor({ index, term, terms, disabled }: { index: number; term: DistillTerm; terms: DistillTerm[]; disabled: boolean }) {
  const methodProblem = useProblem(`terms.${index}.method`);
  const weightProblem = useProblem(`terms.${index}.weight`);
  if (!hasMethod(term.method)) return null;
  const method = methodSpec(term.method);
  const prefix = `term-${index}-`;
  const options = RECIPE_METHODS.map((m) => ({ value: m.id, label: m.label, disabled: m.id !== term.method && terms.some((t) => t.method === m.id) }));
  return (
    <fieldset className="recipe-term" data-testid={`${prefix}editor`}>
      <legend>
        Term {index + 1}: {method.label}
      </legend>
      <SelectField
        label="Method"
        testId={`${prefix}method-select`}
        value={term.method}
        options={options}
        onValue={(id) => setTermMethod(index, id)}
        disabled={disabled}
        problem={methodProblem}
        help={<MethodSummary id={term.method} />}
      />
      <NumberField
        label="Weight"
        testId={`${prefix}weight-input`}
        value={term.weight}
        onValue={(v) => setTermWeight(index, v ?? Number.NaN)}
        min={0}
        step={method.mixing === 'ratio' ? 0.05 : 1}
        disabled={disabled}
        problem={weightProblem}
        help={weightHelp(method, true, index === 0)}
      />
      {method.params.map((spec) => (
        <TermParamField key={spec.name} index={index} method={term.method} spec={spec} value={term.params[spec.name]} disabled={disabled} />
      ))}
      <LayerPicker index={index} term={term} testIdPrefix={prefix} disabled={disabled} />
      <button type="button" data-testid={`${prefix}remove-button`} disabled={disabled || terms.length <= 1} onClick={() => removeTerm(index)}>
        Remove this term
      </button>
    </fieldset>
  );
}

function TermParamField({ index, method, spec, value, disabled }: { index: number; method: string; spec: ParamSpec; value: number | undefined; disabled: boolean }) {
  const problem = useProblem(`param.${method}.${spec.name}`);
  return (
    <NumberField
      label={spec.label}
      help={spec.help}
      problem={problem}
      testId={`term-${index}-param-${spec.name}-input`}
      value={value ?? spec.default}
      onValue={(v) => setTermParam(index, spec.name, v ?? Number.NaN)}
      min={spec.min}
      max={spec.max}
      step={spec.step}
      disabled={disabled}
    />
  );
}

function AddTerm({ terms, disabled }: { terms: DistillTerm[]; disabled: boolean }) {
  const id = useId();
  const free = RECIPE_METHODS.filter((m) => !terms.some((t) => t.method === m.id));
  const [choice, setChoice] = useState('');
  const chosen = free.some((m) => m.id === choice) ? choice : (free[0]?.id ?? '');
  if (free.length === 0) return null;
  return (
    <div className="field add-term">
      <label htmlFor={id}>Add a term</label>
      <div className="add-term-row">
        <select id={id} data-testid="add-term-select" value={chosen} disabled={disabled} onChange={(event) => setChoice(event.target.value)}>
          {free.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
        <button type="button" data-testid="add-term-button" disabled={disabled || !chosen} onClick={() => addTerm(chosen)}>
          Add
        </button>
      </div>
    </div>
  );
}

/** A method's one-line summary and a link to its paper. */
export function MethodSummary({ id }: { id: string }) {
  if (!hasMethod(id)) return null;
  const method = methodSpec(id);
  return (
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
  );
}
