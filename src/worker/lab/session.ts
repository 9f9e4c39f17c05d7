// The lab's run: one at a time, with its control (pause, resume, stop, live knobs), and the
// student it trains, kept after the run ends for the explorer, the run inspector and export.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { FetchBytes } from '../../data/types';
import { disposeModel } from '../../models/architectures';
import { serializeModel } from '../../models/io';
import { loadShippedLogits } from '../../models/shippedLogits';
import { runExperiment } from '../../train/runExperiment';
import { setUpRun } from '../../train/runSetup';
import { RunControl, type LiveKnobs } from '../../train/control';
import { omittedClassReport } from '../../train/omittedClasses';
import { usesTeacher, type ExperimentConfig } from '../../train/config';
import type { RunEnd, RunUpdate, StudentFilesMessage, TeacherSource } from '../protocol';
import type { Datasets } from './datasets';
import type { Teachers } from './teachers';
import type { DeviceWatch } from './device';

/** What a wait raced against a stop resolves to when the stop came first. */
const STOPPED = Symbol('stopped');

export interface TrainedStudent {
  model: tfl.LayersModel;
  runId: string;
  config: ExperimentConfig;
  state: 'training' | 'trained';
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
    this.last = null;
    let student: tfl.LayersModel | null = null;
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
      this.last = { model: student, runId, config, state: 'training' };
      const result = await runExperiment({
        config,
        data,
        student,
        teacher,
        teacherLogits,
        control,
        hooks: {
          onSteps: (points) => post({ type: 'steps', points }),
          onEval: (point) => post({ type: 'eval', point }),
          onPhase: (phase, detail) => post({ type: 'phase', phase, detail }),
          onProgress: (step, totalSteps, epoch) => post({ type: 'progress', step, totalSteps, epoch }),
          onPaused: () => post({ type: 'paused' }),
          onKnobs: (change) => post({ type: 'knobs', change }),
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

  /** The kept student, when it is run `runId`'s. */
  studentOf(runId: string): TrainedStudent {
    if (!this.last || this.last.runId !== runId) throw new Error('The student of this run is gone (a newer run replaced it).');
    return this.last;
  }
}
