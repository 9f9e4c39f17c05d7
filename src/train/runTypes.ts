// What a run produces, as data: its step and evaluation points, its result and the splits it
// trains on. Its own module, so the protocol, the stores, the UI and the evaluation code can name
// them without importing the training loop (docs/ARCHITECTURE.md §2).
import type { DatasetInfo } from '../data/types';
import type { DeviceSplit } from '../data/device';
import type { ExperimentConfig } from './config';
import type { KnobChange } from './control';
import type { PairedTerm } from './layerPairs';

/** The losses of one step. Every value is unweighted except `total`, the loss minimised. */
export interface StepPoint {
  step: number;
  epoch: number;
  ce: number;
  /** The distillation value: the single method's term, or the sum of a recipe's terms. */
  kd: number;
  total: number;
  /**
   * Each term by method id (one entry for a single method, none for the scratch student), plus
   * 'rdrop' (R-Drop's symmetric KL, unweighted) when R-Drop is on: one chart line each.
   */
  terms: Record<string, number>;
  /** DML: the peer student's losses (its kd is its KL to the first student). */
  peer?: { ce: number; kd: number; total: number };
}

export interface EvalPoint {
  step: number;
  /** Epochs completed (fractional between epoch ends). */
  epoch: number;
  /** On the training batches since the previous evaluation; val and test on the curve subset. */
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number;
  /** DML: the peer student's accuracies. */
  peer?: { trainAccuracy: number; valAccuracy: number; testAccuracy: number };
}

/** An evaluation with the mean losses of the steps since the previous one (docs/ARCHITECTURE.md, the CLI's result). */
export interface HistoryEntry extends EvalPoint {
  ce: number;
  kd: number;
  total: number;
  terms: Record<string, number>;
  peer?: EvalPoint['peer'] & { ce: number; kd: number; total: number };
}

/** DML: how the second student ended. */
export interface PeerResult {
  student: string;
  parameters: number;
  testAccuracy: number;
  testMpa: number;
  valAccuracy: number;
  valMpa: number;
}

/** How a run that trained ended (the page's RunStatus in state/store.ts is its whole lifecycle). */
export type ResultStatus = 'done' | 'stopped' | 'error';

export interface RunResult {
  config: ExperimentConfig;
  status: ResultStatus;
  error?: { message: string; step: number; suggestion: string };
  testAccuracy: number;
  testMpa: number;
  /** Test accuracy and MPA with test-time augmentation (config.ttaShift); null when it is off. */
  testAccuracyTta: number | null;
  testMpaTta: number | null;
  valAccuracy: number;
  valMpa: number;
  perClassAccuracy: number[];
  confusion: number[][];
  history: HistoryEntry[];
  samplesPerSecond: number;
  /** Samples per second once warm (after the first read-back); absent in runs saved before it was recorded. */
  steadySamplesPerSecond?: number;
  /**
   * One-time costs of this set-up in a fresh worker: the first steps' time beyond the steady speed and
   * the first curve point's beyond the others' mean (kernels set up on first use).
   */
  warmUp?: { trainSeconds: number; evalSeconds: number };
  seconds: number;
  trainSeconds: number;
  /** Wall time spent evaluating (the curve points and the final full val / test); absent in runs saved before it was recorded. */
  evalSeconds?: number;
  steps: number;
  /** The steps the configuration asked for (a stopped run has steps < totalSteps); absent in runs saved before it was recorded. */
  totalSteps?: number;
  backend: string;
  teacherCached: boolean;
  studentParameters: number;
  /**
   * The distillation terms as trained (the plan's, distillPlan.ts): weights, parameters with
   * defaults, resolved layer pairs. As data: a saved or exported run reads them back as plain numbers.
   */
  terms: PairedTerm[];
  /** Training samples that kept their label (label-free mode; all of them otherwise). */
  labelledCount: number;
  /** Knob values changed while the run trained, each with the first step it applied to; absent when none changed. */
  knobChanges?: KnobChange[];
  /** DML only. */
  peer?: PeerResult;
  /** With classes left out of the transfer set: their test accuracy before and after a bias correction. */
  omitted?: OmittedClassReport;
  /**
   * The images the final numbers were scored on, when not the whole splits: a stopped run is
   * scored on the first STOPPED_SCORE_SAMPLES val and test images. Absent: the whole splits.
   */
  scoredOn?: { val: number; test: number };
}

export interface RunData {
  info: DatasetInfo;
  train: DeviceSplit;
  val: DeviceSplit;
  test: DeviceSplit;
}

/** How a student does on the classes it never saw, before and after a bias correction (src/train/omittedClasses.ts). */
export interface OmittedClassReport {
  classes: number[];
  /** The logit bias added to every omitted class, chosen on the validation split. */
  bias: number;
  /** Accuracy on the test images of the omitted classes, without and with the bias. */
  omittedTestAccuracy: number;
  omittedTestAccuracyCorrected: number;
  /** Test images of the omitted classes. */
  omittedTestCount: number;
  /** Accuracy on all test images, without and with the bias. */
  testAccuracy: number;
  testAccuracyCorrected: number;
  /** Accuracy on all validation images, without and with the bias (what chose it). */
  valAccuracy: number;
  valAccuracyCorrected: number;
}
