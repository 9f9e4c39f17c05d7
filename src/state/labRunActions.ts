// After a Lab run ends: its student downloaded or loaded as the teacher, its result exported as
// JSON. The same functions the Compare table uses; only the choice of run is the Lab's.
import { rowsToJson, runLabel, studentRow } from './results';
import type { RunResult } from '../train/runTypes';
import { exportStudent, loadStudentAsTeacher } from './studentFiles';
import { knobChangeLabel } from './knobMarks';
import type { StudentFiles } from './runStore';
import { isTeacherArchitecture } from '../models/architectureSpecs';

let exported: { runId: string; files: Promise<{ files: StudentFiles | null; message: string }> } | null = null;

/** The ended run's student as model.json + weights.bin, asked of the worker once per run. */
export function labStudentFiles(runId: string): Promise<{ files: StudentFiles | null; message: string }> {
  if (exported?.runId !== runId) exported = { runId, files: exportStudent(runId) };
  return exported.files;
}

/** The run's name: its starting configuration, and the knobs changed while it trained (the configuration alone would misname it). */
export function labRunLabel(result: RunResult): string {
  // A teacher trained here is named as one (it was "student from scratch", and the teacher picker said so).
  if (isTeacherArchitecture(result.config.student)) return `${result.config.student} trained here`;
  const changes = (result.knobChanges ?? []).map((change) => `from step ${change.step} ${knobChangeLabel(change)}`);
  return `${runLabel(result.config)} (Lab${changes.length > 0 ? `; ${changes.join(', ')}` : ''})`;
}

/** The run as the Compare table's JSON export writes a row, with its configuration. */
export function labResultJson(runId: string, result: RunResult): string {
  const row = studentRow({ id: runId, label: labRunLabel(result), config: result.config, status: result.status, result });
  return rowsToJson([row], { [runId]: result.config });
}

/** Load the ended run's student as the Lab's teacher; the message says why it could not be. */
export async function loadLabStudentAsTeacher(runId: string, result: RunResult): Promise<string> {
  const { files, message } = await labStudentFiles(runId);
  if (!files) return message;
  await loadStudentAsTeacher(files, labRunLabel(result));
  return '';
}
