// What a CLI run leaves behind besides its --json (docs/ARCHITECTURE.md §4.3, §4.5): the trained
// student with its card (--save) and the run as a PyTorch folder (--export-pytorch). A failed
// write is returned as one line naming the flag and the path: the run's result still stands, and
// main writes --json before it reports the failure.
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetInfo } from '../data/types';
import { getArchitecture } from '../models/architectures';
import type { TeacherCard } from '../models/catalog';
import { serializeModel } from '../models/io';
import type { RunResult, StepPoint } from '../train/runTypes';
import type { CliOptions } from './args';
import { saveModelToDir, shippedTeacherDir, writeFailure } from './nodeFiles';
import { writePytorchExport } from './pytorchExport';
import type { Log } from './runReport';

type ModelFiles = Awaited<ReturnType<typeof serializeModel>>;

/** The models' starting weights, kept for --export-pytorch: PyTorch starts from the same numbers. */
export interface ExportStart {
  studentInit: ModelFiles;
  peerInit: ModelFiles | null;
}

/** --save DIR: the student in tfjs format and a card.json naming the run's command; a failure as one line, or null. */
export async function saveStudent(log: Log, save: string, options: CliOptions, argv: readonly string[], student: tfl.LayersModel, info: DatasetInfo, result: RunResult): Promise<string | null> {
  const { config } = options;
  try {
    await saveModelToDir(student, save);
    const card: TeacherCard = {
      id: path.basename(path.resolve(save)),
      dataset: config.dataset,
      architecture: config.student,
      label: `${getArchitecture(config.student).label} on ${info.name}`,
      parameters: student.countParams(),
      valAccuracy: result.valAccuracy,
      valMpa: result.valMpa,
      testAccuracy: result.testAccuracy,
      testMpa: result.testMpa,
      inputShape: info.inputShape,
      numClasses: info.numClasses,
      epochs: config.epochs,
      trainSeconds: result.seconds,
      command: `npm run train -- ${argv.join(' ')}`,
      createdAt: new Date().toISOString(),
    };
    await writeFile(path.join(save, 'card.json'), JSON.stringify(card, null, 2));
    log(`saved ${save}`);
    return null;
  } catch (error) {
    return writeFailure('--save', save, error);
  }
}

/** --export-pytorch DIR: train.py and its folder for this run; a failure as one line, or null. */
export async function exportRun(
  log: Log,
  folder: string,
  options: CliOptions,
  argv: readonly string[],
  run: { student: tfl.LayersModel; start: ExportStart; result: RunResult; firstStep: StepPoint | null; hasTeacher: boolean },
): Promise<string | null> {
  const { config } = options;
  const { result } = run;
  try {
    const trained = await serializeModel(run.student);
    const asFiles = (files: ModelFiles) => ({ modelJson: JSON.stringify(files.modelJson), weights: files.weights });
    await writePytorchExport(
      folder,
      {
        config,
        terms: result.terms,
        studentInit: asFiles(run.start.studentInit),
        peerInit: run.start.peerInit ? asFiles(run.start.peerInit) : null,
        studentTrained: asFiles(trained),
        // The numbers train.py prints beside its own (the history and configuration are elsewhere).
        labResult: { ...result, config: undefined, history: undefined, firstStep: run.firstStep },
        origin: `npm run train -- ${argv.join(' ')}`,
      },
      run.hasTeacher ? (options.teacherPath ?? shippedTeacherDir(config.teacher)) : null,
      options.force,
    );
    log(`wrote ${folder}: python train.py there trains this run in PyTorch (its README.md has the torchrun line)`);
    return null;
  } catch (error) {
    return writeFailure('--export-pytorch', folder, error);
  }
}
