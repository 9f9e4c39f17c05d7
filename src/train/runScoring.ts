// How a run is scored: the curve points while it trains (the first CURVE_EVAL_SAMPLES val and test
// images, the EMA's weights when it is on) and its final numbers (the whole splits, or after a Stop
// the first STOPPED_SCORE_SAMPLES, docs/ARCHITECTURE.md §6).
import type * as tfl from '@tensorflow/tfjs-layers';
import { disposeSplit, firstSamples, type DeviceSplit } from '../data/device';
import { CURVE_EVAL_SAMPLES, STOPPED_SCORE_SAMPLES } from './config';
import type { RunControl } from './control';
import type { WeightEma } from './ema';
import { evaluateModel, EvaluationInterrupted, predictWithTta, type Interruptible } from './evaluate';
import { evaluatePredictions, type Evaluation } from './metrics';
import type { EvalPoint, PeerResult, RunData } from './runTypes';

/** The networks a run scores, and how. */
export interface ScoredModels {
  student: tfl.LayersModel;
  /** DML's second student, or null. */
  peer: tfl.LayersModel | null;
  numClasses: number;
  evalBatchSize: number;
}

/** The networks a curve point scores: with `ema` on, the student with the averaged weights (its own are put back after). */
export type CurveModels = ScoredModels & { ema: WeightEma | null };

/** The curve points' evaluations, on the first CURVE_EVAL_SAMPLES val and test images (views owned here). */
export class CurveScorer {
  private readonly val: DeviceSplit;
  private readonly test: DeviceSplit;
  private readonly made: (DeviceSplit | null)[];

  constructor(data: RunData) {
    const val = firstSamples(data.val, CURVE_EVAL_SAMPLES);
    const test = firstSamples(data.test, CURVE_EVAL_SAMPLES);
    this.made = [val, test];
    this.val = val ?? data.val;
    this.test = test ?? data.test;
  }

  /** The evaluation point at `step`, with the train accuracies of the steps since the previous one. */
  async point(models: CurveModels, step: number, epoch: number, train: { trainAccuracy: number; peerTrainAccuracy: number }): Promise<EvalPoint> {
    const { student, peer, numClasses, evalBatchSize, ema } = models;
    const evaluateStudent = (split: DeviceSplit) =>
      ema ? ema.withAverage(() => evaluateModel(student, split, numClasses, evalBatchSize)) : evaluateModel(student, split, numClasses, evalBatchSize);
    const val = await evaluateStudent(this.val);
    const test = await evaluateStudent(this.test);
    const point: EvalPoint = { step, epoch, trainAccuracy: train.trainAccuracy, valAccuracy: val.accuracy, testAccuracy: test.accuracy };
    if (peer) {
      const peerVal = await evaluateModel(peer, this.val, numClasses, evalBatchSize);
      const peerTest = await evaluateModel(peer, this.test, numClasses, evalBatchSize);
      point.peer = { trainAccuracy: train.peerTrainAccuracy, valAccuracy: peerVal.accuracy, testAccuracy: peerTest.accuracy };
    }
    return point;
  }

  dispose(): void {
    for (const split of this.made) disposeSplit(split);
  }
}

/** A run's final numbers. */
export interface FinalScores {
  val: Evaluation;
  test: Evaluation;
  /** With test-time augmentation; null when it is off. */
  testTta: Evaluation | null;
  peerResult: PeerResult | undefined;
  /** The images scored when not the whole splits (a stopped run), else undefined. */
  scoredOn: { val: number; test: number } | undefined;
}

/** What the final scores add to the curve's: the peer's architecture id, and test-time augmentation's shift (0: off). */
export type FinalScoring = ScoredModels & { peerStudent: string; ttaShift: number };

/** The final numbers on val and test (a Stop during it throws EvaluationInterrupted). */
async function scoreOn(m: FinalScoring, val: DeviceSplit, test: DeviceSplit, options: Interruptible): Promise<Omit<FinalScores, 'scoredOn'>> {
  const valEval = await evaluateModel(m.student, val, m.numClasses, m.evalBatchSize, options);
  const testEval = await evaluateModel(m.student, test, m.numClasses, m.evalBatchSize, options);
  const testTta = m.ttaShift > 0 ? evaluatePredictions(test.hostLabels, await predictWithTta(m.student, test, m.ttaShift, m.evalBatchSize, options), m.numClasses) : null;
  let peerResult: PeerResult | undefined;
  if (m.peer) {
    const peerVal = await evaluateModel(m.peer, val, m.numClasses, m.evalBatchSize, options);
    const peerTest = await evaluateModel(m.peer, test, m.numClasses, m.evalBatchSize, options);
    peerResult = {
      student: m.peerStudent,
      parameters: m.peer.countParams(),
      testAccuracy: peerTest.accuracy,
      testMpa: peerTest.mpa,
      valAccuracy: peerVal.accuracy,
      valMpa: peerVal.mpa,
    };
  }
  return { val: valEval, test: testEval, testTta, peerResult };
}

/**
 * A run that finished is scored on the whole splits, unless Stop is pressed meanwhile; a stopped
 * run (or one stopped during that evaluation) on the first STOPPED_SCORE_SAMPLES images, so a
 * Stop ends every phase within a second or two (`scoredOn` says on how many).
 */
export async function finalScores(m: FinalScoring, data: RunData, control: RunControl): Promise<FinalScores> {
  if (!control.isStopped) {
    try {
      return { ...(await scoreOn(m, data.val, data.test, { interrupted: () => control.isStopped })), scoredOn: undefined };
    } catch (error) {
      if (!(error instanceof EvaluationInterrupted)) throw error;
    }
  }
  const val = firstSamples(data.val, STOPPED_SCORE_SAMPLES);
  const test = firstSamples(data.test, STOPPED_SCORE_SAMPLES);
  try {
    const scores = await scoreOn(m, val ?? data.val, test ?? data.test, {});
    return { ...scores, scoredOn: val || test ? { val: (val ?? data.val).count, test: (test ?? data.test).count } : undefined };
  } finally {
    disposeSplit(val);
    disposeSplit(test);
  }
}
