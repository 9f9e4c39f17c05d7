// One CLI run (docs/ARCHITECTURE.md §4.3): its inputs prepared (runInputs.ts), trained by the same
// runExperiment as the page with a progress bar and Ctrl-C as a stop, reported on stderr
// (runReport.ts), and its outputs written (runOutputs.ts).
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DatasetInfo } from '../data/types';
import { getArchitecture } from '../models/architectures';
import { serializeModel } from '../models/io';
import { deriveSeed } from '../core/rng';
import { isMutual } from '../train/config';
import { RunControl } from '../train/control';
import { runExperiment } from '../train/runExperiment';
import type { RunResult, StepPoint } from '../train/runTypes';
import { scheduleNotes } from '../train/schedule';
import type { CliOptions } from './args';
import { PROCESS_IO, type CliIo } from './io';
import { ProgressBar } from './progress';
import { checkExportFolder } from './pytorchExport';
import { prepareRunInputs, type RunInputs } from './runInputs';
import { exportRun, saveStudent, type ExportStart } from './runOutputs';
import { addOmittedClasses, reportResult, reportRunStart, reportStudent, type Log } from './runReport';

export interface CliRun {
  result: RunResult;
  /** One line naming --save and its path when the trained model could not be written. */
  saveFailure: string | null;
}

/**
 * --export-pytorch: the initial weights go with train.py, so PyTorch starts from the same numbers
 * (DML's peer is built here, from the seed runExperiment would use, to export it too).
 */
async function exportStart(options: CliOptions, student: tfl.LayersModel, info: DatasetInfo): Promise<{ start: ExportStart | null; peer: tfl.LayersModel | undefined }> {
  const { config } = options;
  if (options.exportPytorch === undefined) return { start: null, peer: undefined };
  const studentInit = await serializeModel(student);
  const peer = isMutual(config) ? getArchitecture(config.peerStudent ?? config.student).build(info.inputShape, info.numClasses, deriveSeed(config.seed, 'peer')) : undefined;
  const peerInit = peer ? await serializeModel(peer) : null;
  return { start: { studentInit, peerInit }, peer };
}

/** runExperiment with the progress bar: the epoch and loss as it goes, each evaluation as a line. */
async function trainWithProgress(inputs: RunInputs, config: CliOptions['config'], peer: tfl.LayersModel | undefined, bar: ProgressBar, control: RunControl, log: Log) {
  const { data, student, teacherLogits } = inputs.setup;
  const stepsPerEpoch = Math.floor(data.train.count / config.batchSize);
  for (const note of scheduleNotes(config, stepsPerEpoch)) log(note);
  let lastLoss = Number.NaN;
  let firstStep: StepPoint | null = null;
  const result = await runExperiment({
    config,
    data,
    student,
    teacher: inputs.teacher,
    peer,
    teacherLogits,
    control,
    hooks: {
      onSteps: (points) => {
        firstStep ??= points[0] ?? null;
        lastLoss = points[points.length - 1].total;
      },
      // The epoch a step belongs to, from 1 (the hook's epoch counts finished epochs mid-epoch).
      onProgress: (step, total) => bar.update(step, total, `epoch ${Math.max(1, Math.ceil(step / stepsPerEpoch))}/${Math.ceil(total / stepsPerEpoch)} loss ${lastLoss.toFixed(4)}`),
      onEval: (point) =>
        bar.log(
          `epoch ${point.epoch.toFixed(2)} step ${point.step}: train ${(point.trainAccuracy * 100).toFixed(2)}% ` +
            `val ${(point.valAccuracy * 100).toFixed(2)}% test ${(point.testAccuracy * 100).toFixed(2)}%`,
        ),
      onPhase: (phase, detail) => (phase === 'caching-teacher' && detail ? bar.status(`caching teacher logits ${detail}`) : undefined),
    },
  });
  bar.done();
  return { result, firstStep };
}

export async function runCli(options: CliOptions, argv: readonly string[], io: CliIo = PROCESS_IO): Promise<CliRun> {
  const { config } = options;
  const log: Log = (line) => {
    if (!options.quiet) io.stderr.write(`${line}\n`);
  };
  if (options.exportPytorch) await checkExportFolder(options.exportPytorch, options.force);
  const inputs = await prepareRunInputs(options, io);
  const { info, teacher, setup } = inputs;
  const { data, student } = setup;
  reportRunStart(log, info, data, teacher ? setup.logitsNote : null);
  const { start, peer } = await exportStart(options, student, info);
  reportStudent(log, config, student);
  const bar = new ProgressBar(options.quiet, io.stderr);
  // Ctrl-C stops the run at the next batch and still reports it ("status": "stopped" in --json); a second Ctrl-C quits at once.
  const control = new RunControl();
  const stopOnInterrupt = () => {
    bar.log('stopping after the current batch (Ctrl-C again to quit at once)');
    control.stop();
  };
  process.once('SIGINT', stopOnInterrupt);
  try {
    const { result, firstStep } = await trainWithProgress(inputs, config, peer, bar, control, log);
    await addOmittedClasses(log, result, config, student, data, info.numClasses);
    reportResult(log, result, config);
    const saveFailure = options.save ? await saveStudent(log, options.save, options, argv, student, info, result) : null;
    // A failed --save does not stop the export; the first failure is the one reported.
    const exportFailure =
      options.exportPytorch && result.status !== 'error' && start ? await exportRun(log, options.exportPytorch, options, argv, { student, start, result, firstStep, hasTeacher: teacher !== null }) : null;
    return { result, saveFailure: saveFailure ?? exportFailure };
  } finally {
    peer?.dispose();
    process.off('SIGINT', stopOnInterrupt);
    inputs.release();
    student.dispose();
    teacher?.dispose();
  }
}
