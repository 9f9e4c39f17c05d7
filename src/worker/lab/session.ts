// The lab's run: one at a time, with its control (pause, resume, stop, live knobs), and the
// student it trains, kept after the run ends for the explorer, the run inspector and export (a
// mutual run's peer too, for the matched view, docs/ARCHITECTURE.md §4.6).
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DatasetInfo, FetchBytes } from '../../data/types';
import { disposeModel } from '../../models/architectures';
import { serializeModel } from '../../models/io';
import { loadShippedLogits } from '../../models/shippedLogits';
import { runExperiment } from '../../train/runExperiment';
import { setUpRun } from '../../train/runSetup';
import { RunControl, type LiveKnobs } from '../../train/control';
import { omittedClassReport } from '../../train/omittedClasses';
import { isMutual, usesTeacher, type ExperimentConfig } from '../../train/config';
import { buildPeerModel } from '../../train/trainingParts';
import type { RunEnd, RunUpdate, StudentFilesMessage, TeacherSource } from '../protocol';
import type { Datasets } from './datasets';
import type { Teachers } from './teachers';
import type { DeviceWatch } from './device';
import { drawsPictures, type MatchedSource } from '../../train/matchedView';
import { keepWindow, partsOf, startOfRun, type KeptRun, type RunWindow } from '../../train/runWindow';

/** Whether a model's weights were freed (an uploaded teacher replaced by a newer upload). */
function modelGone(model: tfl.LayersModel): boolean {
  try {
    return model.weights.some((weight) => weight.read().isDisposed);
  } catch {
    return true;
  }
}

/** The copy of a closing window, or null when it cannot be made (the run's end must not fail for the view). */
function keepRunWindow(window: RunWindow): KeptRun | null {
  try {
    return keepWindow(window);
  } catch {
    return null;
  }
}

/** What a wait raced against a stop resolves to when the stop came first. */
const STOPPED = Symbol('stopped');

export interface TrainedStudent {
  model: tfl.LayersModel;
  runId: string;
  config: ExperimentConfig;
  state: 'training' | 'trained';
  /** The teacher it learned from (null when none), for the matched view. */
  teacher: tfl.LayersModel | null;
  /** A mutual run's peer student (built here, kept with the student): the other side of UDML's matched view. */
  peer: tfl.LayersModel | null;
  info: Pick<DatasetInfo, 'inputShape' | 'numClasses'>;
  /** The loop's window while the run trains (runWindow.ts); then `kept`, the copy taken as it closed. */
  window: RunWindow | null;
  kept: KeptRun | null;
}

/** A source for the matched view and what frees it (only what was made for it). */
export interface MatchedSourceLease {
  source: MatchedSource;
  state: 'training' | 'paused' | 'trained';
  release(): void;
}

export class RunSession {
  private current: { runId: string; control: RunControl } | null = null;
  /** The student of the latest run, while it trains and after it ends; disposed when the next run starts. */
  private last: TrainedStudent | null = null;
  /** The export of the last student in progress: a new run waits for it before disposing the model. */
  private exporting: Promise<unknown> | null = null;

  constructor(
    private readonly datasets: Datasets,
    private readonly teachers: Teachers,
    private readonly device: DeviceWatch,
    private readonly fetchBytes: FetchBytes,
    private readonly update: (runId: string, update: RunUpdate) => void,
  ) {}

  get runningId(): string | null {
    return this.current?.runId ?? null;
  }

  get student(): TrainedStudent | null {
    return this.last;
  }

  pause(): void {
    // 'paused' is sent by the loop once it has actually stopped (hooks.onPaused).
    this.current?.control.pause();
  }

  resume(): void {
    if (!this.current) return;
    this.current.control.resume();
    this.update(this.current.runId, { type: 'resumed' });
  }

  stop(): void {
    this.current?.control.stop();
  }

  finish(): void {
    this.current?.control.finish();
  }

  setKnobs(knobs: Partial<LiveKnobs>): void {
    this.current?.control.setKnobs(knobs);
  }

  async start(runId: string, config: ExperimentConfig, teacherSource: TeacherSource | null): Promise<RunEnd> {
    if (this.current) throw new Error('A run is already in progress');
    if (this.device.isLost) throw new Error('The WebGPU device was lost; reload the page to train again');
    const control = new RunControl();
    this.current = { runId, control };
    const post = (update: RunUpdate) => this.update(runId, update);
    if (this.exporting) await this.exporting.catch(() => {});
    disposeModel(this.last?.model ?? null);
    disposeModel(this.last?.peer ?? null);
    this.last?.kept?.dispose();
    this.last = null;
    let student: tfl.LayersModel | null = null;
    let peer: tfl.LayersModel | null = null;
    let release = () => {};
    try {
      // A download can take minutes: a stop does not wait for it (the dataset keeps loading for later runs).
      const stopped = control.whenStopped().then((): typeof STOPPED => STOPPED);
      post({ type: 'phase', phase: 'loading', detail: 'dataset' });
      const loaded = await Promise.race([this.datasets.ensure(config.dataset), stopped]);
      if (loaded === STOPPED) return { outcome: 'stopped', phase: 'loading' };
      let teacher: tfl.LayersModel | null = null;
      if (usesTeacher(config)) {
        if (!teacherSource) throw new Error(`Method "${config.method}" needs a teacher`);
        post({ type: 'phase', phase: 'loading', detail: 'teacher' });
        const resolved = await Promise.race([this.teachers.resolve(teacherSource, loaded.info), stopped]);
        if (resolved === STOPPED) return { outcome: 'stopped', phase: 'loading' };
        teacher = resolved;
      }
      const shippedTeacher = teacherSource?.kind === 'shipped' ? teacherSource.id : null;
      const setup = await setUpRun({
        config,
        dataset: loaded,
        teacher,
        // A shipped teacher's training-split logits come with it: no teacher pass before the first step.
        shippedLogits: shippedTeacher ? () => loadShippedLogits(shippedTeacher, this.fetchBytes, { count: loaded.train.count, fingerprint: loaded.trainFingerprint }) : undefined,
      });
      release = setup.release;
      const { data, teacherLogits } = setup;
      student = setup.student;
      // The peer runExperiment would build (planRun, the same seed), built here to outlive the run for the matched view.
      peer = isMutual(config) ? buildPeerModel(config, loaded.info) : null;
      const kept: TrainedStudent = { model: student, runId, config, state: 'training', teacher, peer, info: loaded.info, window: null, kept: null };
      this.last = kept;
      const result = await runExperiment({
        config,
        data,
        student,
        teacher,
        teacherLogits,
        peer: peer ?? undefined,
        control,
        hooks: {
          onSteps: (points) => post({ type: 'steps', points }),
          onEval: (point) => post({ type: 'eval', point }),
          onPhase: (phase, detail) => post({ type: 'phase', phase, detail }),
          onProgress: (step, totalSteps, epoch) => post({ type: 'progress', step, totalSteps, epoch }),
          onPaused: () => post({ type: 'paused' }),
          onKnobs: (change) => post({ type: 'knobs', change }),
          onWindowOpen: (window) => (kept.window = window),
          onWindowClose: (window) => {
            kept.window = null;
            kept.kept = keepRunWindow(window);
          },
        },
      });
      // A step that failed because the device went away is reported as that loss, with the browser's reason.
      if (result.status === 'error' && (await this.device.causedLoss(result.error?.message))) throw new Error(this.device.message);
      // A stopped run scored on part of the splits gets no report: it would mean a whole-split pass again.
      if (config.omitClasses?.length && result.status !== 'error' && !result.scoredOn) {
        result.omitted = await omittedClassReport(student, data.val, data.test, config.omitClasses, loaded.info.numClasses);
      }
      return { outcome: 'result', result };
    } catch (error) {
      if (await this.device.causedLoss(error)) throw new Error(this.device.message);
      throw error;
    } finally {
      if (student !== this.last?.model) disposeModel(student);
      if (peer !== this.last?.peer) disposeModel(peer);
      if (this.last?.runId === runId) this.last.state = 'trained';
      release();
      this.current = null;
    }
  }

  /** The student of run `runId` as model.json + weights.bin, once its run has ended. */
  async exportStudent(runId: string): Promise<StudentFilesMessage> {
    const student = this.studentOf(runId);
    if (student.state !== 'trained') throw new Error('The student is still training: export it when its run has ended.');
    const exporting = serializeModel(student.model);
    this.exporting = exporting;
    try {
      const files = await exporting;
      return { modelJson: JSON.stringify(files.modelJson), weights: files.weights.slice().buffer as ArrayBuffer };
    } finally {
      if (this.exporting === exporting) this.exporting = null;
    }
  }

  /**
   * What the matched view of run `runId` reads (docs/ARCHITECTURE.md §4.6): 'now', the run as it
   * trains (its open window) or as it ended (the copy kept when it closed); 'start', the run's
   * start rebuilt from its seed (freed by `release`).
   */
  matchedSource(runId: string, when: 'now' | 'start'): MatchedSourceLease {
    const run = this.studentOf(runId);
    const state = run.state === 'trained' ? 'trained' : this.current?.runId === runId && this.current.control.isPaused ? 'paused' : 'training';
    if (run.teacher && modelGone(run.teacher)) throw new Error('The teacher of this run is gone (a newer upload replaced it).');
    const parts = run.window ? partsOf(run.window) : run.kept;
    if (!parts) throw new Error('This run has nothing to show: it ended before its first step.');
    // A mutual run's other side is its peer, as trained (now) or as rebuilt with the student (start).
    const models = { teacher: run.teacher ?? run.peer, numClasses: run.info.numClasses };
    if (when === 'now' || !drawsPictures(parts.plan)) {
      return { source: { ...models, ...parts, student: run.model, step: when === 'now' ? parts.step : 0 }, state, release: () => {} };
    }
    const start = startOfRun(run.config, run.info, run.teacher);
    return { source: { ...models, teacher: run.teacher ?? start.peer, ...start.parts, student: start.student }, state, release: () => start.dispose() };
  }

  /** The kept student, when it is run `runId`'s. */
  studentOf(runId: string): TrainedStudent {
    if (!this.last || this.last.runId !== runId) throw new Error('The student of this run is gone (a newer run replaced it).');
    return this.last;
  }
}
