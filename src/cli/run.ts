import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadBuiltinDataset } from '../data/load';
import { disposeSplit, uploadSplit } from '../data/device';
import { getArchitecture } from '../models/architectures';
import { teacherMismatch, type TeacherCard } from '../models/catalog';
import { runExperiment } from '../train/runExperiment';
import type { RunResult } from '../train/runTypes';
import { setUpRun, type RunSetup } from '../train/runSetup';
import { scheduleNotes } from '../train/schedule';
import { omittedClassReport } from '../train/omittedClasses';
import { RunControl } from '../train/control';
import { scoredOnText, stoppedAtText } from '../train/runOutcome';
import type { CliOptions } from './args';
import { fetchPublicFile, loadModelFromDir, readTeacherIndex, saveModelToDir, shippedTeacherDir, writeFailure } from './nodeFiles';
import { loadShippedLogits, trainSplitFingerprint } from '../models/shippedLogits';
import { ProgressBar } from './progress';
import { serializeModel } from '../models/io';
import { isMutual, usesTeacher } from '../train/config';
import { deriveSeed } from '../core/rng';
import type { StepPoint } from '../train/runTypes';
import { checkExportFolder, writePytorchExport } from './pytorchExport';
import { readDatasetPath } from './datasetFile';
import { omittedClassesProblem } from '../data/split';
import { wasmThreadsInUse } from '../train/wasmThreads';

export interface CliRun {
  result: RunResult;
  /** One line naming --save and its path when the trained model could not be written. */
  saveFailure: string | null;
}

export async function runCli(options: CliOptions, argv: readonly string[]): Promise<CliRun> {
  const { config } = options;
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`${line}\n`);
  };
  if (options.exportPytorch) await checkExportFolder(options.exportPytorch, options.force);
  const dataset = options.datasetFile
    ? await readDatasetPath(
        options.datasetFile,
        options.datasetFormat,
        (progress) => {
          if (!options.quiet && process.stderr.isTTY) process.stderr.write(`\r${progress.message} ${(progress.fraction * 100).toFixed(0)}%   `);
        },
        options.imageSize,
      )
    : await loadBuiltinDataset(config.dataset, fetchPublicFile);
  if (options.datasetFile && !options.quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  const info = dataset.info;
  const omitProblem = options.datasetFile && config.omitClasses ? omittedClassesProblem(config.omitClasses, info) : null;
  if (omitProblem) throw new Error(`--omit-classes: ${omitProblem}`);

  let teacher: tfl.LayersModel | null = null;
  if (usesTeacher(config)) {
    const index = await readTeacherIndex();
    if (!options.teacherPath && !index.some((card) => card.id === config.teacher)) {
      const forDataset = index.filter((card) => card.dataset === config.dataset).map((card) => card.id);
      throw new Error(`--teacher: no shipped teacher "${config.teacher}" (for ${config.dataset}: ${forDataset.join(', ') || 'none'})`);
    }
    teacher = await loadModelFromDir(options.teacherPath ?? shippedTeacherDir(config.teacher));
    const mismatch = teacherMismatch(teacher.inputs[0].shape, teacher.outputs[0].shape, info);
    if (mismatch) throw new Error(`--teacher: ${mismatch}`);
    teacher.trainable = false;
  }
  // The whole splits go to the device; the run's transfer set and limits are views of them, as in the worker.
  const splits = {
    info,
    train: uploadSplit(dataset.train, info),
    val: uploadSplit(dataset.val, info),
    test: uploadSplit(dataset.test, info),
  };
  let setup: RunSetup;
  try {
    setup = await setUpRun({
      config,
      dataset: splits,
      teacher,
      // A shipped teacher's training-split logits come with it: no teacher pass before the first step.
      shippedLogits: teacher && !options.teacherPath ? async () => loadShippedLogits(config.teacher, fetchPublicFile, { count: dataset.train.count, fingerprint: await trainSplitFingerprint(dataset.train) }) : undefined,
    });
  } catch (error) {
    for (const split of [splits.train, splits.val, splits.test]) disposeSplit(split);
    teacher?.dispose();
    throw error;
  }
  const { data, student, teacherLogits } = setup;
  const threads = tf.getBackend() === 'wasm' ? wasmThreadsInUse() : 1;
  log(`${info.name}: ${data.train.count} train / ${data.val.count} val / ${data.test.count} test, backend ${tf.getBackend()}${threads > 1 ? ` (${threads} threads)` : ''}`);
  if (teacher) log(`teacher logits: ${setup.logitsNote}`);
  // --export-pytorch: the initial weights go with train.py, so PyTorch starts from the same numbers
  // (DML's peer is built here, from the seed runExperiment would use, to export it too).
  const exporting = options.exportPytorch !== undefined;
  const studentInit = exporting ? await serializeModel(student) : null;
  const peer = exporting && isMutual(config) ? getArchitecture(config.peerStudent ?? config.student).build(info.inputShape, info.numClasses, deriveSeed(config.seed, 'peer')) : undefined;
  const peerInit = peer ? await serializeModel(peer) : null;
  let firstStep: StepPoint | null = null;
  const recipe = config.terms ? config.terms.map((term) => `${term.method}:${term.weight}`).join(' + ') : config.method;
  log(`student ${config.student} (${student.countParams().toLocaleString('en')} parameters), ${config.terms ? 'recipe' : 'method'} ${recipe}`);

  const bar = new ProgressBar(options.quiet);
  const stepsPerEpoch = Math.floor(data.train.count / config.batchSize);
  for (const note of scheduleNotes(config, stepsPerEpoch)) log(note);
  let lastLoss = Number.NaN;
  // Ctrl-C stops the run at the next batch and still reports it ("status": "stopped" in --json); a second Ctrl-C quits at once.
  const control = new RunControl();
  const stopOnInterrupt = () => {
    bar.log('stopping after the current batch (Ctrl-C again to quit at once)');
    control.stop();
  };
  process.once('SIGINT', stopOnInterrupt);
  try {
    const result = await runExperiment({
      config,
      data,
      student,
      teacher,
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
    if (config.omitClasses?.length && result.status !== 'error' && !result.scoredOn) {
      result.omitted = await omittedClassReport(student, data.val, data.test, config.omitClasses, info.numClasses);
      const o = result.omitted;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      log(
        `never seen in training: class ${o.classes.join(', ')}: ${pct(o.omittedTestAccuracy)} of its ${o.omittedTestCount} test images; ` +
          `with a logit bias of ${o.bias} (chosen on val) ${pct(o.omittedTestAccuracyCorrected)} (all test images ${pct(o.testAccuracy)} -> ${pct(o.testAccuracyCorrected)})`,
      );
    }
    for (const term of result.terms) {
      if (term.studentLayers.length === 0) continue;
      log(`${term.method}: student ${term.studentLayers.join(',')} <- teacher ${term.teacherLayers.join(',')}`);
    }
    if (result.peer) {
      log(`peer ${result.peer.student}: test accuracy ${(result.peer.testAccuracy * 100).toFixed(2)}%, val ${(result.peer.valAccuracy * 100).toFixed(2)}%`);
    }
    const scored = scoredOnText(result);
    log(
      `${result.status === 'stopped' ? stoppedAtText(result.steps, result.totalSteps) : result.status}${scored ? ` (${scored})` : ''}: test accuracy ${(result.testAccuracy * 100).toFixed(2)}% (MPA ${(result.testMpa * 100).toFixed(2)}%), ` +
        `val ${(result.valAccuracy * 100).toFixed(2)}% (MPA ${(result.valMpa * 100).toFixed(2)}%), ` +
        `${result.seconds.toFixed(1)} s (training ${result.trainSeconds.toFixed(1)} s, evaluating ${(result.evalSeconds ?? 0).toFixed(1)} s), ${result.samplesPerSecond.toFixed(0)} samples/s`,
    );
    if (result.testAccuracyTta !== null && result.testMpaTta !== null) {
      log(`with TTA (±${config.ttaShift} px): test accuracy ${(result.testAccuracyTta * 100).toFixed(2)}% (MPA ${(result.testMpaTta * 100).toFixed(2)}%)`);
    }
    let saveFailure: string | null = null;
    if (options.save) {
      try {
        await saveModelToDir(student, options.save);
        const card: TeacherCard = {
          id: path.basename(path.resolve(options.save)),
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
        await writeFile(path.join(options.save, 'card.json'), JSON.stringify(card, null, 2));
        log(`saved ${options.save}`);
      } catch (error) {
        // The run's result still stands: main writes --json before it reports this.
        saveFailure = writeFailure('--save', options.save, error);
      }
    }
    if (options.exportPytorch && result.status !== 'error' && studentInit) {
      try {
        const trained = await serializeModel(student);
        const asFiles = (files: typeof trained) => ({ modelJson: JSON.stringify(files.modelJson), weights: files.weights });
        await writePytorchExport(
          options.exportPytorch,
          {
            config,
            terms: result.terms,
            studentInit: asFiles(studentInit),
            peerInit: peerInit ? asFiles(peerInit) : null,
            studentTrained: asFiles(trained),
            // The numbers train.py prints beside its own (the history and configuration are elsewhere).
            labResult: { ...result, config: undefined, history: undefined, firstStep },
            origin: `npm run train -- ${argv.join(' ')}`,
          },
          teacher ? (options.teacherPath ?? shippedTeacherDir(config.teacher)) : null,
          options.force,
        );
        log(`wrote ${options.exportPytorch}: python train.py there trains this run in PyTorch (its README.md has the torchrun line)`);
      } catch (error) {
        saveFailure ??= writeFailure('--export-pytorch', options.exportPytorch, error);
      }
    }
    return { result, saveFailure };
  } finally {
    peer?.dispose();
    process.off('SIGINT', stopOnInterrupt);
    setup.release();
    for (const split of [splits.train, splits.val, splits.test]) disposeSplit(split);
    student.dispose();
    teacher?.dispose();
  }
}
