// The soft-label explorer (classroom): pick a test image, drag the temperature, watch the
// teacher's distribution flatten from one-hot-like to "dark knowledge". Teacher logits come from
// the worker once per dataset and teacher; every softmax here is computed on the page.
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { datasetNameOf } from '../../state/datasetInfo';
import { requestStudentView, requestTeacherView, runTakesTemperature, selectExplorerImage, setExplorerTemperature, setSteerRun } from '../../state/explorer';
import { settledTeacher } from '../../state/teacherChoice';
import { EXPLORER_TEMPERATURE_RANGE } from '../../state/explorerSlice';
import { darkKnowledgeMatrix, entropyBits, oneHot, softmaxAt } from '../../state/softLabels';
import { useLab } from '../../state/store';
import type { TeacherView } from '../../worker/protocol';
import { Heatmap } from '../Heatmap';
import { article } from '../fields';
import { useElementWidth } from '../hooks';
import { fitScale, PixelImage, pixelScale } from '../PixelImage';
import { ScrollBox } from '../ScrollBox';
import { Tour, type TourStep } from './Tour';

const STUDENT_REFRESH_MS = 3000;
/** Space between the picker's images, and around them for the chosen one's ring, in CSS pixels. */
const PICKER_GAP = 3;
const PICKER_PAD = 3;
/** The chosen image's longer side, in CSS pixels at least: large enough for a projected room. */
const CHOSEN_IMAGE_SIDE = 160;

function formatT(t: number): string {
  return Number.isInteger(t) ? t.toFixed(0) : t.toFixed(1);
}

export function ExplorerPage() {
  const teacherKey = useLab((s) => settledTeacher(s).key);
  const teacherState = useLab((s) => s.explorer.teacher);
  const runStatus = useLab((s) => s.run.status);
  const [tourStep, setTourStep] = useState<number | null>(null);
  const tourButton = useRef<HTMLButtonElement>(null);

  // Teacher logits once per dataset and teacher.
  useEffect(() => {
    requestTeacherView();
  }, [teacherKey]);

  // The student: once when the page opens or a run ends, every few seconds while one trains.
  const viewReady = teacherState.status === 'ready';
  useEffect(() => {
    if (!viewReady) return;
    requestStudentView();
    if (runStatus !== 'training') return;
    const timer = setInterval(requestStudentView, STUDENT_REFRESH_MS);
    return () => clearInterval(timer);
  }, [viewReady, runStatus, teacherState.key]);

  const steps = useTourSteps();
  const target = tourStep !== null ? steps[tourStep]?.target : undefined;
  return (
    <div className="explorer" data-testid="explorer-page">
      <section className="panel explorer-intro" aria-labelledby="explorer-title">
        <div className="explorer-intro-row">
          <div>
            <h2 id="explorer-title">Soft labels</h2>
            <p className="small muted">
              A hard label says only which class an image is. A teacher's soft label, its softmax at temperature T, also says how much the image
              resembles every other class.
            </p>
          </div>
          <button type="button" ref={tourButton} data-testid="tour-start" onClick={() => setTourStep(0)} disabled={!viewReady}>
            Take the tour
          </button>
        </div>
        <ExplorerSource />
        <TemperatureSlider highlighted={target === 'temperature'} />
      </section>
      {teacherState.status === 'ready' && teacherState.view ? (
        <ExplorerBody view={teacherState.view} target={target} />
      ) : (
        <section className="panel" aria-live="polite">
          <p className={teacherState.status === 'failed' ? 'inline-error' : 'muted small'} data-testid="explorer-status">
            {teacherState.message || 'Waiting for the teacher…'}
          </p>
        </section>
      )}
      {tourStep !== null ? (
        <Tour
          steps={steps}
          step={tourStep}
          onStep={setTourStep}
          onClose={() => {
            setTourStep(null);
            tourButton.current?.focus();
          }}
        />
      ) : null}
    </div>
  );
}

function ExplorerSource() {
  const dataset = useLab((s) => s.config.dataset);
  const teacherLabel = useLab((s) => {
    const teacher = settledTeacher(s);
    return teacher.key === null ? 'none' : teacher.label;
  });
  const view = useLab((s) => s.explorer.teacher.view);
  const name = useLab((s) => datasetNameOf(s.datasets, dataset));
  return (
    <p className="small explorer-source">
      Dataset <strong>{name}</strong> · teacher <strong>{teacherLabel}</strong>
      {view ? ` · ${view.count.toLocaleString('en')} test images` : ''} <span className="muted">(both as chosen on the Lab page)</span>
    </p>
  );
}

function TemperatureSlider({ highlighted }: { highlighted: boolean }) {
  const id = useId();
  const temperature = useLab((s) => s.explorer.temperature);
  const { min, max, step } = EXPLORER_TEMPERATURE_RANGE;
  return (
    <div className={highlighted ? 'field temperature-slider tour-target' : 'field temperature-slider'} data-tour="temperature">
      <div className="field-label-row">
        <label htmlFor={id}>Temperature T</label>
        <output htmlFor={id} className="temperature-value" data-testid="explorer-temperature-value">
          T = {formatT(temperature)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        data-testid="explorer-temperature"
        min={min}
        max={max}
        step={step}
        value={temperature}
        aria-valuetext={`T = ${formatT(temperature)}`}
        aria-describedby={`${id}-help`}
        onChange={(event) => setExplorerTemperature(Number(event.target.value))}
      />
      <p className="field-help" id={`${id}-help`}>
        Every bar below is softmax(logits / T): T = 1 is the network's usual output; higher T flattens it.
      </p>
      <SteerRun />
    </div>
  );
}

/** While a Lab run trains with a temperature: the slider moves its T too, and the student column (refreshed every few seconds) answers. */
function SteerRun() {
  const steerable = useLab(runTakesTemperature);
  const steer = useLab((s) => s.explorer.steerRun);
  const runT = useLab((s) => s.config.params.temperature);
  if (!steerable) return null;
  return (
    <label className="toggle small steer-run">
      <input type="checkbox" data-testid="explorer-steer-run" checked={steer} onChange={(event) => setSteerRun(event.target.checked)} />
      Move the training run&apos;s T too (now T = {runT === undefined ? '—' : formatT(runT)}): watch the student column answer
    </label>
  );
}

function ExplorerBody({ view, target }: { view: TeacherView; target: string | undefined }) {
  const classNames = useLab((s) => s.datasets[s.config.dataset]?.summary?.classNames);
  const shape = useLab((s) => s.datasets[s.config.dataset]?.summary?.inputShape);
  const names = classNames ?? Array.from({ length: view.numClasses }, (_, i) => String(i));
  return (
    <>
      <div className="explorer-columns">
        <section className={target === 'grid' ? 'panel tour-target' : 'panel'} aria-labelledby="explorer-grid-title" data-tour="grid">
          <h2 id="explorer-grid-title">Pick a test image</h2>
          {shape ? <ImagePicker view={view} names={names} shape={shape} /> : <p className="muted small">Loading the dataset…</p>}
        </section>
        <Distributions view={view} names={names} shape={shape} target={target} />
      </div>
      <DarkKnowledge view={view} names={names} highlighted={target === 'matrix'} />
    </>
  );
}

function ImagePicker({ view, names, shape }: { view: TeacherView; names: readonly string[]; shape: [number, number, number] }) {
  const selected = useLab((s) => s.explorer.selected);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const columns = view.numClasses;
  const move = (to: number) => {
    const next = Math.min(view.grid.length - 1, Math.max(0, to));
    selectExplorerImage(next);
    buttons.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
    if (event.key in moves) move(selected + moves[event.key]);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(view.grid.length - 1);
    else return;
    event.preventDefault();
  };
  // Each image at the largest integer scale at which a row of one image per class fits the panel
  // (at most 64 px, at least 24 px: past that the row scrolls in its own box).
  const [measure, width] = useElementWidth<HTMLDivElement>();
  const scale = width === null ? pixelScale(shape, 32) : fitScale(shape, width - 2 * PICKER_PAD, columns, PICKER_GAP, pixelScale(shape, 24), pixelScale(shape, 64));
  return (
    <>
      <p className="small muted">Arrow keys move between images; {view.numClasses} columns, one class each.</p>
      <div ref={measure}>
        <ScrollBox label="Test images">
          <div
            className="image-picker"
            role="radiogroup"
            aria-label="Test images"
            data-testid="explorer-images"
            style={{ gridTemplateColumns: `repeat(${columns}, max-content)`, gap: PICKER_GAP, padding: PICKER_PAD }}
            onKeyDown={onKeyDown}
          >
            {view.grid.map((image, position) => (
              <button
                key={image.index}
                ref={(element) => {
                  buttons.current[position] = element;
                }}
                type="button"
                role="radio"
                aria-checked={position === selected}
                tabIndex={position === selected ? 0 : -1}
                className={position === selected ? 'picker-image selected' : 'picker-image'}
                data-testid={`explorer-image-${position}`}
                title={`#${image.index}: ${names[image.label]}`}
                onClick={() => selectExplorerImage(position)}
              >
                <PixelImage pixels={image.pixels} shape={shape} scale={scale} label={`Test image ${image.index}, class ${names[image.label]}`} />
              </button>
            ))}
          </div>
        </ScrollBox>
      </div>
    </>
  );
}

function Distributions({ view, names, shape, target }: { view: TeacherView; names: readonly string[]; shape: [number, number, number] | undefined; target: string | undefined }) {
  const temperature = useLab((s) => s.explorer.temperature);
  const selected = useLab((s) => s.explorer.selected);
  const student = useLab((s) => s.explorer.student);
  const image = view.grid[Math.min(selected, view.grid.length - 1)];
  const K = view.numClasses;
  const teacher = useMemo(() => softmaxAt(view.logits, temperature, image.index * K, K), [view, temperature, image.index, K]);
  const hard = oneHot(image.label, K);
  const position = view.grid.indexOf(image);
  const studentProbabilities =
    student.status === 'ready' && student.logits && student.logits.length >= (position + 1) * K ? softmaxAt(student.logits, temperature, position * K, K) : null;
  const teacherEntropy = entropyBits(teacher);
  const studentEntropy = studentProbabilities ? entropyBits(studentProbabilities) : null;
  return (
    <section className={target === 'bars' || target === 'student' ? 'panel tour-target' : 'panel'} aria-labelledby="explorer-bars-title" data-tour="bars">
      <h2 id="explorer-bars-title">
        Test image #{image.index}: {article(names[image.label] ?? '')} {names[image.label]}
      </h2>
      <dl className="stats-row entropy-row">
        <div>
          <dt>Hard label entropy</dt>
          <dd>0 bits</dd>
        </div>
        <div>
          <dt>Teacher entropy at T = {formatT(temperature)}</dt>
          <dd data-testid="teacher-entropy" data-value={teacherEntropy}>
            {teacherEntropy.toFixed(3)} bits
          </dd>
        </div>
        <div>
          <dt>Student entropy</dt>
          <dd data-testid="student-entropy">{studentEntropy === null ? '—' : `${studentEntropy.toFixed(3)} bits`}</dd>
        </div>
        <div>
          <dt>Most possible</dt>
          <dd>{Math.log2(K).toFixed(3)} bits</dd>
        </div>
      </dl>
      <p className="muted small">Entropy in bits (log base 2): 0 for a one-hot label, log₂ {K} when every class is equally likely.</p>
      <div className="distribution-body">
        {shape ? (
          <figure className="chosen-image">
            <PixelImage
              pixels={image.pixels}
              shape={shape}
              scale={pixelScale(shape, CHOSEN_IMAGE_SIDE)}
              label={`Test image ${image.index}, class ${names[image.label]}, drawn large`}
              testId="explorer-chosen-image"
            />
            <figcaption className="small muted">
              #{image.index}, true class <strong>{names[image.label]}</strong>
            </figcaption>
          </figure>
        ) : null}
        <ScrollBox label="Probabilities of each class" className="distribution-scroll">
          <table className="distribution-table" data-testid="soft-label-bars">
            <caption className="visually-hidden">
                Probability of each class for test image {image.index}: the one-hot hard label, and the teacher's and the student's softmax of their logits divided by T
              </caption>
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col" title="The one-hot hard label">
                  Hard label
                </th>
                <th scope="col" title={`softmax(teacher logits / ${formatT(temperature)})`}>
                  <span className="nowrap">Teacher</span> <span className="nowrap">at T = {formatT(temperature)}</span>
                </th>
                <th scope="col" className={target === 'student' ? 'tour-target-cell' : undefined} data-tour="student" title={`softmax(student logits / ${formatT(temperature)})`}>
                  <span className="nowrap">Student</span> <span className="nowrap">at T = {formatT(temperature)}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {names.map((name, c) => (
                <tr key={name} className={c === image.label ? 'true-class' : undefined}>
                  <th scope="row">{name}</th>
                  <td>
                    <ProbabilityBar value={hard[c]} kind="hard" />
                  </td>
                  <td>
                    <ProbabilityBar value={teacher[c]} kind="teacher" />
                  </td>
                  <td>{studentProbabilities ? <ProbabilityBar value={studentProbabilities[c]} kind="student" /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      </div>
      <StudentNote />
    </section>
  );
}

function ProbabilityBar({ value, kind }: { value: number; kind: 'hard' | 'teacher' | 'student' }) {
  return (
    <span className="probability">
      <span className="probability-track" aria-hidden="true">
        <span className={`probability-fill probability-${kind}`} style={{ width: `${(value * 100).toFixed(2)}%` }} />
      </span>
      <span className="probability-value" data-value={value}>
        {value.toFixed(3)}
      </span>
    </span>
  );
}

function StudentNote() {
  const student = useLab((s) => s.explorer.student);
  let text: string;
  if (student.status === 'ready' && student.student) {
    const { state, method, architecture } = student.student;
    text =
      state === 'training'
        ? `Student column: the student training now (${architecture}, method ${method}); it refreshes every few seconds.`
        : `Student column: the student of the last run (${architecture}, method ${method}), at the same T: what the KD loss compares.`;
  } else if (student.status === 'none') {
    text = `No student column yet. ${student.message}`;
  } else {
    text = 'Asking the worker for the student…';
  }
  return (
    <p className="small muted student-note" data-testid="student-status" aria-live="polite">
      {text}
    </p>
  );
}

function DarkKnowledge({ view, names, highlighted }: { view: TeacherView; names: readonly string[]; highlighted: boolean }) {
  const temperature = useLab((s) => s.explorer.temperature);
  const { matrix, counts } = useMemo(() => darkKnowledgeMatrix(view.logits, view.labels, view.numClasses, temperature), [view, temperature]);
  return (
    <section className={highlighted ? 'panel tour-target' : 'panel'} aria-labelledby="dark-knowledge-title" data-tour="matrix">
      <h2 id="dark-knowledge-title">Dark knowledge: the teacher's average soft label per true class</h2>
      <p className="small muted">
        Row = the true class, averaged over its test images ({counts.reduce((a, b) => a + b, 0).toLocaleString('en')} in all); each row sums to 1.
        Bright cells off the diagonal are classes the teacher finds alike. Shades follow the square root, so small probabilities show.
      </p>
      <Heatmap
        testId="dark-knowledge-matrix"
        label="Dark-knowledge matrix"
        caption={`Mean softmax(teacher logits / T) at T = ${formatT(temperature)}`}
        corner="true \ soft label"
        rowNames={names}
        columnNames={names}
        values={matrix}
        format={(value) => (value >= 0.995 ? '1.00' : value.toFixed(2).replace(/^0/, ''))}
        intensity={(value) => Math.sqrt(value)}
        describe={(value, row, column) => `Images of ${names[row]}: on average ${(value * 100).toFixed(1)} % on ${names[column]}`}
      />
    </section>
  );
}

function useTourSteps(): TourStep[] {
  return useMemo(
    () => [
      {
        title: 'A hard label',
        target: 'grid',
        text: 'Pick any test image. Its hard label, the one-hot column, puts all of the probability on the true class: training on it tells a student only "this is a 3", nothing about what else it looks like.',
      },
      {
        title: 'The teacher at T = 1',
        target: 'bars',
        text: "This is the teacher's usual output (T = 1). A good teacher is almost as sure as the hard label: nearly all of its probability sits on one class and its entropy is close to 0 bits.",
        enter: () => setExplorerTemperature(1),
      },
      {
        title: 'Raise the temperature',
        target: 'temperature',
        text: 'Now T = 8. Dividing the logits by T before the softmax flattens the distribution: the wrong classes get visible probability, ranked by how much the image resembles them. That ranking is the "dark knowledge" a student learns from soft labels. Drag the slider yourself.',
        enter: () => setExplorerTemperature(8),
      },
      {
        title: 'Which classes look alike',
        target: 'matrix',
        text: "Each row averages the teacher's soft labels over every test image of one class. Bright cells off the diagonal are pairs the teacher finds alike; hard labels carry none of this.",
      },
      {
        title: 'Soft and hard together',
        target: 'student',
        text: 'kd_ratio mixes the two in training: 0 is hard labels only, 1 is soft labels only. On the Lab page, the "Soft vs hard labels" preset sets this up on Digits; after a run, the student column here shows what the student learned.',
      },
    ],
    [],
  );
}
