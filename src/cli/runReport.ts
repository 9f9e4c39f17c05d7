// What a CLI run says about itself on stderr (docs/ARCHITECTURE.md §4.3): the run's start (the
// data, the backend, the teacher's logits, the student and its terms) and, once it ends, its
// layer pairs, the peer, the summary line and the test-time augmentation's scores.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DatasetInfo } from '../data/types';
import type { ExperimentConfig } from '../train/config';
import type { RunData, RunResult } from '../train/runTypes';
import { omittedClassReport } from '../train/omittedClasses';
import { scoredOnText, stoppedAtText } from '../train/runOutcome';
import { backendThreads } from '../backends/setup';

export type Log = (line: string) => void;

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The data's split sizes and the backend, then where the teacher's logits come from (null: no teacher). */
export function reportRunStart(log: Log, info: DatasetInfo, data: RunData, logitsNote: string | null): void {
  const threads = backendThreads();
  log(`${info.name}: ${data.train.count} train / ${data.val.count} val / ${data.test.count} test, backend ${tf.getBackend()}${threads > 1 ? ` (${threads} threads)` : ''}`);
  if (logitsNote !== null) log(`teacher logits: ${logitsNote}`);
}

/** The student's size and the method or recipe it trains with. */
export function reportStudent(log: Log, config: ExperimentConfig, student: tfl.LayersModel): void {
  const recipe = config.terms ? config.terms.map((term) => `${term.method}:${term.weight}`).join(' + ') : config.method;
  log(`student ${config.student} (${student.countParams().toLocaleString('en')} parameters), ${config.terms ? 'recipe' : 'method'} ${recipe}`);
}

/**
 * --omit-classes: the never-seen classes' test accuracy before and after a logit bias chosen on
 * val, added to the result (a run scored on part of the splits, or failed, gets none).
 */
export async function addOmittedClasses(log: Log, result: RunResult, config: ExperimentConfig, student: tfl.LayersModel, data: RunData, numClasses: number): Promise<void> {
  if (!config.omitClasses?.length || result.status === 'error' || result.scoredOn) return;
  result.omitted = await omittedClassReport(student, data.val, data.test, config.omitClasses, numClasses);
  const o = result.omitted;
  log(
    `never seen in training: class ${o.classes.join(', ')}: ${percent(o.omittedTestAccuracy)} of its ${o.omittedTestCount} test images; ` +
      `with a logit bias of ${o.bias} (chosen on val) ${percent(o.omittedTestAccuracyCorrected)} (all test images ${percent(o.testAccuracy)} -> ${percent(o.testAccuracyCorrected)})`,
  );
}

/** The terms' layer pairs, the peer's scores, the summary line and the scores with test-time augmentation. */
export function reportResult(log: Log, result: RunResult, config: ExperimentConfig): void {
  for (const term of result.terms) {
    if (term.studentLayers.length === 0) continue;
    // A mutual method (UDML) reads its other side from the peer student.
    log(`${term.method}: student ${term.studentLayers.join(',')} <- ${result.peer ? 'peer' : 'teacher'} ${term.teacherLayers.join(',')}`);
  }
  if (result.peer) {
    log(`peer ${result.peer.student}: test accuracy ${percent(result.peer.testAccuracy)}, val ${percent(result.peer.valAccuracy)}`);
  }
  const scored = scoredOnText(result);
  log(
    `${result.status === 'stopped' ? stoppedAtText(result.steps, result.totalSteps) : result.status}${scored ? ` (${scored})` : ''}: test accuracy ${percent(result.testAccuracy)} (MPA ${percent(result.testMpa)}), ` +
      `val ${percent(result.valAccuracy)} (MPA ${percent(result.valMpa)}), ` +
      `${result.seconds.toFixed(1)} s (training ${result.trainSeconds.toFixed(1)} s, evaluating ${(result.evalSeconds ?? 0).toFixed(1)} s), ${result.samplesPerSecond.toFixed(0)} samples/s`,
  );
  if (result.testAccuracyTta !== null && result.testMpaTta !== null) {
    log(`with TTA (±${config.ttaShift} px): test accuracy ${percent(result.testAccuracyTta)} (MPA ${percent(result.testMpaTta)})`);
  }
}
