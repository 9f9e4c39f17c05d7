// The worker boundary (docs/ARCHITECTURE.md §3): one typed map of requests, one reply shape, and
// a few events. The page sends `{ id, kind, body }`; the worker answers every request exactly
// once with `{ id, ok: true, value }` or `{ id, ok: false, message }`. What the worker says
// without being asked (download progress, a run's steps, a lost device) is an event.
import type { DatasetInfo } from '../data/types';
import type { DistillTerm, ExperimentConfig } from '../train/config';
import type { EvalPoint, RunResult, StepPoint } from '../train/runTypes';
import type { KnobChange, LiveKnobs } from '../train/control';
import type { ExampleImage, MisclassifiedPair, TeacherView } from '../train/inspect';
import type { TermLayerCheck } from '../train/layerCheck';
import type { Tap } from '../models/taps';
import type { TeacherEvaluation } from '../train/evaluate';
import type { MatchedView, MatchedViewRequest } from '../train/matchedView';

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

/** A loaded dataset as the page shows it: its info, split sizes, class counts and a few samples. */
export interface DatasetSummary extends DatasetInfo {
  sizes: { train: number; val: number; test: number };
  classCounts: number[];
  /** A few training images (row-major floats in [0, 1]) with their labels, for the card's grid. */
  samples: { pixels: Float32Array; label: number }[];
}

export type RunPhase = 'loading' | 'caching-teacher' | 'training' | 'evaluating';

/** The backend a worker chose, and what the page needs before its first request. */
/** A backend race's verdict, as the page keeps it: by the race's key (adapter, browser, threads). */
export interface RaceVerdict {
  backend: BackendName;
  why: string;
}

export type RememberedRaces = Readonly<Record<string, RaceVerdict>>;

export interface WorkerStart {
  backend: BackendName;
  /** A race run now (not taken from `rememberedRaces`): the page keeps its verdict under `key`. */
  race?: RaceVerdict & { key: string };
  /** Why a faster backend was not used, or null when the first choice worked. */
  fallbackReason: string | null;
  /** Why the lab picked this backend when it chose by measurement. */
  why: string | null;
  /** Threads it computes on (wasm's XNNPACK pool; 1 for the others). */
  threads?: number;
  /** Parameter count of every architecture, per built-in dataset: parameters[dataset][architecture]. */
  parameters: Record<string, Record<string, number>>;
}

/** A teacher that loaded and fits the dataset. */
export interface TeacherFit {
  message: string;
  parameters: number;
  /** The model's input shape (batch dimension included) and class count. */
  inputShape: (number | null)[];
  numClasses: number;
}

/** How a run ended: with a result (done, stopped mid-training or failed in a step), or stopped before its first step. */
export type RunEnd = { outcome: 'result'; result: RunResult } | { outcome: 'stopped'; phase: RunPhase };

/** Which student answered a studentView request. */
export interface StudentSummary {
  runId: string;
  /** 'training' while its run goes on, 'trained' after it ended (done or stopped). */
  state: 'training' | 'trained';
  dataset: string;
  architecture: string;
  method: string;
}

/**
 * A matched-view request (docs/ARCHITECTURE.md §4.6): run `runId`'s terms drawn for test image
 * `imageIndex` (maps) and a batch of `perClass` test images of each class (relations).
 */
export interface MatchedViewBody extends MatchedViewRequest {
  runId: string;
  /** 'now' (default): as it trains, paused, or as it ended; 'start': before its first step, rebuilt from its seed. */
  when?: 'now' | 'start';
}

/** The matched view of a run: every typed array in it travels transferred. */
export interface MatchedViewReply extends MatchedView {
  runId: string;
  /** The run's state when drawn: training, paused, or trained (it has ended). */
  state: 'training' | 'paused' | 'trained';
  when: 'now' | 'start';
}

export interface StudentFilesMessage {
  modelJson: string;
  weights: ArrayBuffer;
}

/** Every request: its body and the value of a successful reply. */
export interface Requests {
  /** First request to every worker: choose the backend (`preferredBackend` forced by the user). */
  init: { body: { preferredBackend?: BackendName; baseUrl: string; rememberedRaces?: RememberedRaces }; reply: WorkerStart };
  loadDataset: { body: { dataset: string }; reply: DatasetSummary };
  /**
   * A dataset from the user's files, read and checked in the worker (progress as datasetProgress
   * events under `name`) and kept on the device like a shipped one; its id starts with "upload:".
   */
  uploadDataset: { body: { name: string; files: File[]; /** An image folder's [height, width]; default its most common size. */ imageSize?: [number, number] }; reply: { summary: DatasetSummary; parameters: Record<string, number> } };
  /** Load a teacher and check that it fits the dataset; files become the 'uploaded' teacher. */
  checkTeacher: { body: { dataset: string; teacher: TeacherSource }; reply: TeacherFit };
  /** Train; the reply comes when the run ends, its steps arrive as 'run' events meanwhile. */
  start: { body: { runId: string; config: ExperimentConfig; teacher: TeacherSource | null }; reply: RunEnd };
  /** The loop confirms the pause with a 'paused' run event once it has actually stopped. */
  pause: { body: Record<string, never>; reply: null };
  resume: { body: Record<string, never>; reply: null };
  stop: { body: Record<string, never>; reply: null };
  /** End a run that trains until stopped: it is scored on the whole splits and ends as done. */
  finish: { body: Record<string, never>; reply: null };
  setKnobs: { body: { knobs: Partial<LiveKnobs> }; reply: null };
  /** Soft-label explorer: the teacher's logits on the first `limit` test images, and `perClass` images of each class to pick from. */
  teacherView: { body: { dataset: string; teacher: TeacherSource; limit: number; perClass: number }; reply: TeacherView };
  /** The last trained (or the training) student's logits on test images of `dataset`, by index; logits null (and message why) when there is none for it. */
  studentView: {
    body: { dataset: string; indices: number[] };
    reply: { student: StudentSummary | null; logits: Float32Array | null; message: string };
  };
  /** Run inspector: up to `limit` test images of each pair that the student of run `runId` gets wrong that way. */
  misclassified: { body: { runId: string; pairs: { actual: number; predicted: number }[]; limit: number }; reply: MisclassifiedPair[] };
  /**
   * Matched view: what each term of run `runId` compares (maps for AT, FitNet, MGD and VID, and for
   * UDML against the run's peer; batch relations for SP, RKD, PKT, IRG and DIST; AFD's attention
   * over its layer pairs; a pointer to the soft labels for KD and DKD). Asked while the run trains, is paused or after it ended; fails with
   * a message when the run's student is gone (a newer run replaced it).
   */
  matchedView: { body: MatchedViewBody; reply: MatchedViewReply };
  /**
   * Layer pickers: the student's and the other side's taps on `dataset` (the teacher's, or, for a
   * mutual method, which has none, the taps of the peer architecture `peer`: config.peerStudent
   * ?? config.student), and each term's layers checked.
   */
  checkLayers: {
    body: { dataset: string; student: string; teacher: TeacherSource | null; peer: string | null; terms: DistillTerm[] };
    /** `teacherTaps`: the teacher's, or the peer's when the body names a peer and no teacher. */
    reply: { studentTaps: Tap[]; teacherTaps: Tap[]; terms: TermLayerCheck[] };
  };
  /** Compare page: the teacher's scores on the val / test samples a run with these limits uses (its table row). */
  evaluateTeacher: {
    body: { dataset: string; teacher: TeacherSource; ttaShift: number; valLimit?: number; testLimit?: number };
    reply: { evaluation: TeacherEvaluation; parameters: number; seconds: number };
  };
  /** Model export: the student of run `runId` (the last trained one) as model.json + weights.bin. */
  exportStudent: { body: { runId: string }; reply: StudentFilesMessage };
  /** Test hooks: the worker's tfjs memory; destroy the WebGPU device; throw in the worker's global scope. */
  debugMemory: { body: Record<string, never>; reply: { numTensors: number; numBytes: number; backend: string } };
  debugLoseDevice: { body: Record<string, never>; reply: null };
  debugCrash: { body: Record<string, never>; reply: null };
  /** Test hook: fail as a wasm trap does (a WebAssembly.RuntimeError), which condemns the worker. */
  debugEngineFault: { body: Record<string, never>; reply: null };
}

export type RequestKind = keyof Requests;
export type RequestBody<K extends RequestKind> = Requests[K]['body'];
export type ReplyValue<K extends RequestKind> = Requests[K]['reply'];

export interface RequestMessage<K extends RequestKind = RequestKind> {
  id: number;
  kind: K;
  body: RequestBody<K>;
}

export type ReplyMessage<K extends RequestKind = RequestKind> = { id: number; ok: true; value: ReplyValue<K> } | { id: number; ok: false; message: string };

/** One update of a running run, keyed by its run id in the 'run' event. */
export type RunUpdate =
  | { type: 'phase'; phase: RunPhase; detail?: string }
  | { type: 'steps'; points: StepPoint[] }
  | { type: 'eval'; point: EvalPoint }
  | { type: 'progress'; step: number; totalSteps: number; epoch: number }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** A live knob change (setKnobs) as the loop applied it, with the first step trained with it. */
  | { type: 'knobs'; change: KnobChange };

/** What the worker says unasked. */
export interface Events {
  datasetProgress: { dataset: string; fraction: number; message: string };
  run: { runId: string; update: RunUpdate };
  /** The WebGPU device is gone: the worker cannot train any more and should be replaced. */
  deviceLost: { message: string };
  /**
   * The backend's compiled engine failed inside (a wasm trap or abort: "memory access out of
   * bounds", "Aborted()"): its memory can no longer be trusted, so the worker must be replaced.
   */
  engineFailed: { message: string };
  /** A failure outside any request (an unhandled rejection); runId is the run that was training, if any. */
  failure: { runId: string | null; message: string };
}

export type EventName = keyof Events;
export type EventMessage<E extends EventName = EventName> = { [K in E]: { event: K; payload: Events[K] } }[E];

export type FromWorker = ReplyMessage | EventMessage;

export type { ExampleImage, MisclassifiedPair, TeacherView };
export type { Grid, LayerNames, MatchedBatch, MatchedImage, MatchedLayerPairs, MatchedMap, MatchedRelation, MatchedTerm, MatchedView } from '../train/matchedView';
