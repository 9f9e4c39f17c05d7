// Student and teacher layer pickers of one distillation term (student and peer for a mutual
// method, UDML): pairs of taps, each shown with its shape on the chosen dataset, the method's
// reference choice by default, and the refusal of a pair the method cannot read (naming both
// layers and shapes) right under the pickers.
import { useId } from 'react';
import { methodSpec, hasMethod, otherSide, readsLayers } from '../../kd/methods';
import { describeShape } from '../../core/format';
import type { Tap } from '../../models/taps';
import { setLayerPairs } from '../../state/methodActions';
import { layerRequest, useProblem } from '../../state/problems';
import { useLab } from '../../state/store';
import type { DistillTerm } from '../../train/config';
import { blocksOf, chosenLayers } from '../../train/layerPairs';
import { layerHelp } from './methodHelp';

interface LayerPickerProps {
  /** Index of the term (0 for the single method). */
  index: number;
  term: DistillTerm;
  /** Prefix of every data-testid inside ('' for the single method, 'term-1-' in a recipe). */
  testIdPrefix: string;
  disabled: boolean;
}

function tapOptions(taps: readonly Tap[], chosen: readonly string[]) {
  const options = taps.map((tap) => ({ value: tap.name, label: `${tap.name} ${describeShape(tap.shape)}${tap.kind === 'block' ? '' : ` (${tap.kind})`}` }));
  // A name from a link that this network does not have stays visible, so the refusal makes sense.
  for (const name of chosen) if (!taps.some((tap) => tap.name === name)) options.push({ value: name, label: `${name} (not in this network)` });
  return options;
}

export function LayerPicker({ index, term, testIdPrefix, disabled }: LayerPickerProps) {
  const id = useId();
  const check = useLab((s) => s.layerCheck);
  const current = useLab((s) => layerRequest(s)?.key ?? '');
  const problem = useProblem(`layers.${index}`);
  if (!hasMethod(term.method)) return null;
  const method = methodSpec(term.method);
  if (!readsLayers(method)) return null;
  const checked = check.terms[index]?.method === term.method ? check.terms[index] : undefined;
  const { studentLayers, teacherLayers } = chosenLayers(term, checked?.defaults ?? { studentLayers: [], teacherLayers: [] });
  const pairCount = Math.max(studentLayers.length, teacherLayers.length);
  const explicit = term.studentLayers !== undefined || term.teacherLayers !== undefined;
  const pending = check.key !== current || check.status === 'checking';
  const studentOptions = tapOptions(check.studentTaps, studentLayers);
  const teacherOptions = tapOptions(check.teacherTaps, teacherLayers);
  const problemId = `${id}-problem`;
  const helpId = `${id}-help`;
  const describedBy = [problem ? problemId : '', helpId].filter(Boolean).join(' ');

  const choose = (side: 'student' | 'teacher', pair: number, name: string) => {
    const students = [...studentLayers];
    const teachers = [...teacherLayers];
    (side === 'student' ? students : teachers)[pair] = name;
    setLayerPairs(index, { studentLayers: students, teacherLayers: teachers });
  };
  const addPair = () => {
    const firstBlock = (taps: readonly Tap[]) => blocksOf(taps)[0]?.name ?? taps[0]?.name ?? '';
    // A new feature pair goes first: for embedding methods the last pair stays the embedding.
    const embedding = method.layers.reads === 'embedding';
    const insert = (list: string[], name: string) => (embedding ? [name, ...list] : [...list, name]);
    setLayerPairs(index, { studentLayers: insert(studentLayers, firstBlock(check.studentTaps)), teacherLayers: insert(teacherLayers, firstBlock(check.teacherTaps)) });
  };
  const removePair = (pair: number) => {
    setLayerPairs(index, { studentLayers: studentLayers.filter((_, i) => i !== pair), teacherLayers: teacherLayers.filter((_, i) => i !== pair) });
  };

  return (
    <fieldset className={problem ? 'layer-picker field-invalid' : 'layer-picker'} data-testid={`${testIdPrefix}layer-picker`} aria-describedby={describedBy}>
      <legend>Layer pairs {explicit ? '' : <span className="chip">reference choice</span>}</legend>
      {check.status === 'failed' && !pending ? (
        <p className="field-problem" role="alert">
          The layers could not be listed: {check.message}
        </p>
      ) : null}
      {pairCount === 0 && pending ? <p className="field-help">Listing the layers of both networks…</p> : null}
      {Array.from({ length: pairCount }, (_, pair) => {
        const role = method.layers.reads === 'embedding' && pair === pairCount - 1 ? 'embedding' : `pair ${pair + 1}`;
        return (
          <div className="layer-pair" key={pair} role="group" aria-label={`Layer ${role}`}>
            {(['student', 'teacher'] as const).map((side) => (
              <LayerSide
                key={side}
                name={side === 'student' ? 'Student' : otherSide(method) === 'peer' ? 'Peer' : 'Teacher'}
                selectId={`${id}-${side === 'student' ? 's' : 't'}${pair}`}
                testId={`${testIdPrefix}${side}-layer-select-${pair}`}
                role={role}
                value={(side === 'student' ? studentLayers : teacherLayers)[pair] ?? ''}
                options={side === 'student' ? studentOptions : teacherOptions}
                disabled={disabled}
                invalid={Boolean(problem)}
                describedBy={describedBy}
                onChoose={(name) => choose(side, pair, name)}
              />
            ))}
            <button
              type="button"
              className="link-button"
              data-testid={`${testIdPrefix}remove-layer-pair-${pair}`}
              disabled={disabled || pairCount <= 1}
              onClick={() => removePair(pair)}
              aria-label={`Remove layer ${role}`}
            >
              Remove
            </button>
          </div>
        );
      })}
      {problem ? (
        <p className="field-problem" id={problemId} role="alert" data-testid={`${testIdPrefix}layer-problem`}>
          {problem}
        </p>
      ) : null}
      <div className="layer-actions">
        <button type="button" className="link-button" data-testid={`${testIdPrefix}add-layer-pair`} disabled={disabled || check.studentTaps.length === 0} onClick={addPair}>
          Add a pair
        </button>
        <button type="button" className="link-button" data-testid={`${testIdPrefix}reset-layers`} disabled={disabled || !explicit} onClick={() => setLayerPairs(index, null)}>
          Reference layers
        </button>
        {pending && pairCount > 0 ? <span className="muted small">checking…</span> : null}
      </div>
      <p className="field-help" id={helpId}>
        {layerHelp(method)}
      </p>
    </fieldset>
  );
}

interface LayerSideProps {
  /** The network as the label names it: Student, Teacher, or Peer (a mutual method's other student). */
  name: string;
  /** The select's id (its label points at it) and its data-testid. */
  selectId: string;
  testId: string;
  /** Which pair it is ("pair 2"), or "embedding" for an embedding method's last pair. */
  role: string;
  value: string;
  options: readonly { value: string; label: string }[];
  disabled: boolean;
  invalid: boolean;
  describedBy: string;
  onChoose: (name: string) => void;
}

/** One network's layer of a pair: a labelled select of its taps. */
function LayerSide({ name, selectId, testId, role, value, options, disabled, invalid, describedBy, onChoose }: LayerSideProps) {
  return (
    <div className="layer-side">
      <label htmlFor={selectId}>
        {name}, {role}
      </label>
      <select
        id={selectId}
        data-testid={testId}
        value={value}
        disabled={disabled}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => onChoose(event.target.value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
