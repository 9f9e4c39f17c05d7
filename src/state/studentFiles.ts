// A trained student as files (model.json + weights.bin): exported from the worker after its run,
// and loaded back as the Lab's teacher.
import { labDoor } from './door';
import { uploadTeacher } from './teacherActions';
import type { StudentFiles } from './runStore';
import { errorMessage } from '../core/errors';

/** The worker's last trained student (run `runId`) as model.json + weights.bin. */
export async function exportStudent(runId: string): Promise<{ files: StudentFiles | null; message: string }> {
  try {
    return { files: await labDoor().request('exportStudent', { runId }), message: '' };
  } catch (error) {
    return { files: null, message: errorMessage(error) };
  }
}

/** Load an exported student as the Lab's teacher (the same path as picking the files by hand). */
export async function loadStudentAsTeacher(files: StudentFiles, name: string): Promise<void> {
  const modelName = `${name.replace(/[^A-Za-z0-9.=]+/g, '-').replace(/^-+|-+$/g, '') || 'student'}.json`;
  await uploadTeacher([new File([files.modelJson], modelName, { type: 'application/json' }), new File([files.weights], 'weights.bin')]);
}
