// The worker boundary: plain serialisable messages, told apart by `type`.
import type { DatasetInfo } from '../data/types';
import type { DistillTerm, ExperimentConfig } from '../train/config';
import type { EvalPoint, RunResult, StepPoint } from '../train/runExperiment';
import type { KnobChange, LiveKnobs } from '../train/control';
import type { ExampleImage, MisclassifiedPair, TeacherView } from '../train/inspect';
import type { TermLayerCheck } from '../train/layerCheck';
import type { Tap } from '../models/taps';
import type { TeacherEvaluation } from '../train/evaluate';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * A teacher to load: a shipped one by id, files the user picked (model.json + weights), or the
 * files most recently accepted by `checkTeacher` (so a run does not send the weights again).
 */
export type TeacherSource =
  | { kind: 'shipped'; id: string }
  /** Files travel unread (a File is a handle): the worker checks their sizes, then reads and parses them. */
  | { kind: 'files'; modelFile: File; weightFiles: File[] }
  | { kind: 'uploaded' };

export type ToWorker =
  | { type: 'init'; preferredBackend?: BackendName; baseUrl: string }
  | { type: 'loadDataset'; dataset: string }
  | { type: 'checkTeacher'; dataset: string; teacher: TeacherSource }
  | { type: 'start'; runId: string; config: ExperimentConfig; teacher: TeacherSource | null }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'setKnobs'; knobs: Partial<LiveKnobs> }
  /** Test hooks: destroy the WebGPU device, or throw in the worker's global scope. */
  | { type: 'debugLoseDevice' }
  | { type: 'debugCrash' }
  /** Test hook: the worker's tfjs memory (the soak and the refusal tests check it stays flat). */
  | { type: 'debugMemory'; requestId: number }
  /** Soft-label explorer: the teacher's logits on the first `limit` test images, and `perClass` images of each class to pick from. */
  | { type: 'teacherView'; requestId: number; dataset: string; teacher: TeacherSource; limit: number; perClass: number }
  /** The last trained (or the training) student's logits on test images of `dataset`, by index. */
  | { type: 'studentView'; requestId: number; dataset: string; indices: number[] }
  /** Run inspector: up to `limit` test images of each pair that the student of run `runId` gets wrong that way. */
  | { type: 'misclassified'; requestId: number; runId: string; pairs: { actual: number; predicted: number }[]; limit: number }
  /** Layer pickers: the student's and the teacher's taps on `dataset`, and each term's layers checked. */
  | { type: 'checkLayers'; requestId: number; dataset: string; student: string; teacher: TeacherSource | null; terms: DistillTerm[] }
  /** Compare page: the teacher's scores on the val / test samples a run with these limits uses (its table row). */
  | { type: 'evaluateTeacher'; requestId: number; dataset: string; teacher: TeacherSource; ttaShift: number; valLimit?: number; testLimit?: number }
  /** Model export: the last trained student (run `runId`) as model.json + weights.bin. */
  | { type: 'exportStudent'; requestId: number; runId: string };

/** A loaded dataset as the page shows it: its info, split sizes, class counts and a few samples. */
export interface DatasetSummary extends DatasetInfo {
  sizes: { train: number; val: number; test: number };
  classCounts: number[];
  /** A few training images (row-major floats in [0, 1]) with their labels, for the card's grid. */
  samples: { pixels: Float32Array; label: number }[];
}

export type RunPhase = 'loading' | 'caching-teacher' | 'training' | 'evaluating';

export type FromWorker =
  | { type: 'backend'; backend: BackendName; fallbackReason: string | null; why?: string | null }
  /** Parameter count of every architecture, per built-in dataset: parameters[dataset][architecture]. */
  | { type: 'architectures'; parameters: Record<string, Record<string, number>> }
  | { type: 'datasetProgress'; dataset: string; fraction: number; message: string }
  | { type: 'datasetReady'; summary: DatasetSummary }
  | { type: 'datasetFailed'; dataset: string; message: string }
  | {
      type: 'teacherChecked';
      ok: boolean;
      message: string;
      parameters?: number;
      /** The model's input shape (batch dimension included) and class count, when it loaded. */
      inputShape?: (number | null)[];
      numClasses?: number;
    }
  | { type: 'phase'; runId: string; phase: RunPhase; detail?: string }
  | { type: 'steps'; runId: string; points: StepPoint[] }
  | { type: 'eval'; runId: string; point: EvalPoint }
  | { type: 'progress'; runId: string; step: number; totalSteps: number; epoch: number }
  | { type: 'paused'; runId: string }
  /** A live knob change (setKnobs) as the loop applied it, with the first step trained with it. */
  | { type: 'knobs'; runId: string; change: KnobChange }
  | { type: 'resumed'; runId: string }
  | { type: 'done'; runId: string; result: RunResult }
  /** The run was stopped before its first step (while its dataset or teacher loaded): there is no result. */
  | { type: 'stopped'; runId: string; phase: RunPhase }
  | { type: 'error'; runId: string | null; message: string; step?: number; suggestion?: string }
  /** The WebGPU device is gone: the worker cannot train any more and should be replaced. */
  | { type: 'deviceLost'; message: string }
  | { type: 'memory'; requestId: number; numTensors: number; numBytes: number; backend: string }
  /** view is null when it could not be computed; message says why. */
  | { type: 'teacherView'; requestId: number; view: TeacherView | null; message: string }
  /** logits (indices × classes) is null when there is no student for that dataset; message says why. */
  | { type: 'studentView'; requestId: number; student: StudentSummary | null; logits: Float32Array | null; message: string }
  | { type: 'misclassified'; requestId: number; runId: string; pairs: MisclassifiedPair[] | null; message: string }
  /** message is non-null when the layers could not be checked (then the lists are empty). */
  | { type: 'layersChecked'; requestId: number; studentTaps: Tap[]; teacherTaps: Tap[]; terms: TermLayerCheck[]; message: string | null }
  /** evaluation is null when the teacher could not be evaluated; message says why. */
  | { type: 'teacherEvaluated'; requestId: number; evaluation: TeacherEvaluation | null; parameters: number; seconds: number; message: string }
  /** files is null when that run's student is not (or no longer) in the worker; message says why. */
  | { type: 'studentExported'; requestId: number; runId: string; files: { modelJson: string; weights: ArrayBuffer } | null; message: string };

/** Which student answered a studentView request. */
export interface StudentSummary {
  runId: string;
  /** 'training' while its run goes on, 'trained' after it ended (done or stopped). */
  state: 'training' | 'trained';
  dataset: string;
  architecture: string;
  method: string;
}

export type { ExampleImage, MisclassifiedPair, TeacherView };
