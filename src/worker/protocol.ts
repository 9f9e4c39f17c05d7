// The worker boundary: plain serialisable messages, told apart by `type`.
import type { ExperimentConfig } from '../train/config';
import type { EvalPoint, RunResult, StepPoint } from '../train/runExperiment';
import type { LiveKnobs } from '../train/control';

export type BackendName = 'webgpu' | 'webgl' | 'cpu';

/**
 * A teacher to load: a shipped one by id, files the user picked (model.json + weights), or the
 * files most recently accepted by `checkTeacher` (so a run does not send the weights again).
 */
export type TeacherSource =
  | { kind: 'shipped'; id: string }
  | { kind: 'files'; name: string; modelJson: string; weights: { name: string; bytes: ArrayBuffer }[] }
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
  | { type: 'debugCrash' };

export interface DatasetSummary {
  id: string;
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  classNames: string[];
  description: string;
  source: string;
  sizes: { train: number; val: number; test: number };
  classCounts: number[];
  /** A few training images (row-major floats in [0, 1]) with their labels, for the card's grid. */
  samples: { pixels: Float32Array; label: number }[];
}

export type RunPhase = 'loading' | 'caching-teacher' | 'training' | 'evaluating';

export type FromWorker =
  | { type: 'backend'; backend: BackendName; fallbackReason: string | null }
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
  | { type: 'resumed'; runId: string }
  | { type: 'done'; runId: string; result: RunResult }
  | { type: 'error'; runId: string | null; message: string; step?: number; suggestion?: string }
  /** The WebGPU device is gone: the worker cannot train any more and should be replaced. */
  | { type: 'deviceLost'; message: string };
