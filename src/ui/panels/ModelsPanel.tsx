import { useId, useState } from 'react';
import { datasetNameOf } from '../../state/datasetInfo';
import { ARCHITECTURE_SPECS, isTeacherArchitecture, studentArchitectures } from '../../models/architectureSpecs';
import { teachersFor } from '../../models/catalog';
import { setStudent, setTeacher } from '../../state/configActions';
import { uploadTeacher } from '../../state/teacherActions';
import { useProblem } from '../../state/problems';
import { CUSTOM_TEACHER } from '../../state/teacherChoice';
import { isActive, useLab } from '../../state/store';
import { suggestedTeacherArchitecture, TEACHER_ARCHITECTURES, TEACHER_COST_NOTES, TEACHER_EPOCHS, trainTeacher } from '../../state/teacherTraining';
import { isMutual, usesTeacher } from '../../train/config';
import { formatCount, formatPercent, Panel, SelectField } from '../fields';
import { useRunActive } from '../hooks';

const STUDENTS = studentArchitectures();

export function ModelsPanel() {
  return (
    <Panel title="Models">
      <StudentPicker />
      <TeacherPicker />
      <TrainTeacher />
      <TeacherUpload />
    </Panel>
  );
}

function StudentPicker() {
  const student = useLab((s) => s.config.student);
  const counts = useLab((s) => s.parameters?.[s.config.dataset]);
  const active = useRunActive();
  // The teacher architecture is listed while it is the one being trained ("Train a teacher").
  const archs = isTeacherArchitecture(student) ? [...STUDENTS, ...ARCHITECTURE_SPECS.filter((a) => a.id === student)] : STUDENTS;
  const options = archs.map((arch) => ({
    value: arch.id,
    label: `${arch.label}${arch.role === 'teacher' ? ' (training this dataset\'s teacher)' : ''}${counts?.[arch.id] !== undefined ? ` — ${formatCount(counts[arch.id])} parameters` : ''}`,
  }));
  const description = archs.find((a) => a.id === student)?.description;
  const problem = useProblem('student');
  return (
    <SelectField
      label="Student"
      testId="student-select"
      value={student}
      problem={problem}
      options={options}
      onValue={setStudent}
      disabled={active}
      help={description}
      aside={counts?.[student] !== undefined ? <span className="chip">{counts[student].toLocaleString('en')} params</span> : null}
    />
  );
}

function TeacherPicker() {
  const config = useLab((s) => s.config);
  const index = useLab((s) => s.teacherIndex);
  const uploaded = useLab((s) => s.uploadedTeacher);
  const studentParams = useLab((s) => s.parameters?.[s.config.dataset]?.[s.config.student]);
  const datasetName = useLab((s) => datasetNameOf(s.datasets, s.config.dataset));
  const problem = useProblem('teacher');
  const active = useRunActive();
  const fitting = teachersFor(index.cards, config.dataset);
  const options: { value: string; label: string; disabled?: boolean }[] = fitting.map((card) => ({
    value: card.id,
    // The picker is already per dataset: "Teacher CNN on Digits 8×8" reads as "Teacher CNN".
    label: `${card.label.replace(/ on .*$/, '')} — ${formatPercent(card.testAccuracy, 1)} test, ${formatCount(card.parameters)} params`,
  }));
  if (uploaded) options.push({ value: CUSTOM_TEACHER, label: `Your teacher (${uploaded.name}) — ${formatCount(uploaded.parameters)} params` });
  const known = options.some((o) => o.value === config.teacher);
  if (!known) options.unshift({ value: config.teacher, label: options.length ? 'Choose a teacher…' : 'No teacher available', disabled: true });
  const card = fitting.find((c) => c.id === config.teacher);
  const teacherParams = card?.parameters ?? (config.teacher === CUSTOM_TEACHER ? uploaded?.parameters : undefined);
  const notUsed = !usesTeacher(config);
  let help: string;
  if (notUsed) help = isMutual(config) ? 'DML and UDML train two students that learn from each other: no pretrained teacher.' : 'Method "none" trains the student from hard labels only: no teacher.';
  else if (card) help = `Val ${formatPercent(card.valAccuracy, 1)} · test ${formatPercent(card.testAccuracy, 1)} (MPA ${formatPercent(card.testMpa, 1)}) · ${card.epochs} epochs`;
  else if (config.teacher === CUSTOM_TEACHER && uploaded?.trained) {
    const { trained } = uploaded;
    help = `Trained here: val ${formatPercent(trained.valAccuracy, 1)} · test ${formatPercent(trained.testAccuracy, 1)} (MPA ${formatPercent(trained.testMpa, 1)}) · ${trained.epochs} epochs`;
  }
  else if (index.status === 'missing' || fitting.length === 0) help = index.message || `Only teachers trained on ${datasetName} are offered.`;
  else help = `Only teachers trained on ${datasetName} are offered.`;
  const ratio = teacherParams && studentParams ? teacherParams / studentParams : undefined;
  return (
    <SelectField
      label="Teacher"
      testId="teacher-select"
      value={config.teacher}
      options={options}
      onValue={setTeacher}
      disabled={active}
      problem={notUsed ? null : problem}
      help={help}
      aside={ratio ? <span className="chip" title="Teacher parameters ÷ student parameters">{ratio.toFixed(ratio < 10 ? 1 : 0)}× the student</span> : null}
    />
  );
}

/** No shipped teacher knows this dataset (the user's own files): train one here, then distil from it. */
function TrainTeacher() {
  const fits = useLab((s) => teachersFor(s.teacherIndex.cards, s.config.dataset).length > 0 || s.teacherIndex.status === 'loading');
  const training = useLab((s) => s.teacherTraining !== null && isActive(s.run.status));
  const dataset = useLab((s) => s.config.dataset);
  const datasetName = useLab((s) => datasetNameOf(s.datasets, s.config.dataset));
  const ready = useLab((s) => s.datasets[s.config.dataset]?.status === 'ready');
  const inputShape = useLab((s) => s.datasets[s.config.dataset]?.summary?.inputShape);
  const counts = useLab((s) => s.parameters?.[s.config.dataset]);
  const active = useRunActive();
  // A teacher trained here for this dataset and in use: the panel says so instead of "no teacher knows it".
  const trainedHere = useLab((s) => (s.config.teacher === CUSTOM_TEACHER && s.uploadedTeacher?.trained ? s.uploadedTeacher : null));
  // The user's pick holds for the dataset it was made on; another dataset gets its own suggestion.
  const [picked, setPicked] = useState<{ dataset: string; architecture: string } | null>(null);
  if (fits) return null;
  const suggested = suggestedTeacherArchitecture(inputShape);
  const architecture = picked?.dataset === dataset ? picked.architecture : suggested;
  const options = TEACHER_ARCHITECTURES.map((id) => {
    const spec = ARCHITECTURE_SPECS.find((a) => a.id === id);
    const count = counts?.[id] !== undefined ? ` — ${formatCount(counts[id])} params` : '';
    return { value: id, label: `${spec?.label ?? id}${id === suggested ? ' (suggested)' : ''}${count}` };
  });
  return (
    <>
      <SelectField
        label="Teacher to train"
        testId="train-teacher-architecture"
        value={architecture}
        options={options}
        onValue={(id) => setPicked({ dataset, architecture: id })}
        disabled={active || !ready}
        help={TEACHER_COST_NOTES[architecture]}
      />
      <div className="field">
        <button type="button" data-testid="train-teacher-button" disabled={active || !ready} onClick={() => trainTeacher(architecture)}
          title={`Train the ${architecture} architecture on ${datasetName} from its labels, then use it as the teacher`}>
          Train a teacher on {datasetName}
        </button>
        <p className="small muted">
          {training
            ? 'Training the teacher: when it ends, press "Use as teacher and distil" under the results.'
            : trainedHere?.trained
              ? `The teacher is ${trainedHere.name}, trained here on ${datasetName} (test ${formatPercent(trainedHere.trained.testAccuracy)}, ${trainedHere.trained.epochs} epochs). Train another to replace it.`
              : `No shipped teacher knows ${datasetName}: train ${architecture} on it here (at least ${TEACHER_EPOCHS} epochs, from hard labels), then distil from it.`}
        </p>
      </div>
    </>
  );
}

function TeacherUpload() {
  const id = useId();
  const upload = useLab((s) => s.teacherUpload);
  const active = useRunActive();
  return (
    <div className="field">
      <label htmlFor={id}>Load your own teacher</label>
      <input
        id={id}
        data-testid="teacher-upload"
        type="file"
        multiple
        accept=".json,.bin,application/json,application/octet-stream"
        disabled={active}
        aria-describedby={`${id}-status ${id}-help`}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          if (files.length) void uploadTeacher(files);
          event.target.value = '';
        }}
      />
      <p
        id={`${id}-status`}
        className={upload.status === 'refused' ? 'field-problem' : upload.status === 'accepted' ? 'field-ok' : 'field-help'}
        data-testid="teacher-upload-status"
        role={upload.status === 'refused' ? 'alert' : 'status'}
      >
        {upload.message}
      </p>
      <p id={`${id}-help`} className="field-help">
        A TensorFlow.js layers model: pick model.json together with its weight files (.bin).
      </p>
    </div>
  );
}
