// Cooperative control of a running experiment: pause, resume, stop and knob changes.
export interface LiveKnobs {
  /** The weight of the first (or only) distillation term. */
  kdRatio: number;
  /** Parameters of the first (or only) term; in a recipe "method.name" sets that term's. */
  params: Record<string, number>;
}

/** Two knob changes as one: the later value of each knob wins, parameters merged by name. */
export function mergeKnobs(earlier: Partial<LiveKnobs> | null, later: Partial<LiveKnobs>): Partial<LiveKnobs> {
  return { ...earlier, ...later, params: { ...(earlier?.params ?? {}), ...(later.params ?? {}) } };
}

/** Knob values the loop applied, and the first step it trained with them (StepPoint.step numbering). */
export interface KnobChange extends Partial<LiveKnobs> {
  step: number;
}

export class RunControl {
  private paused = false;
  private stopped = false;
  private finishing = false;
  private resumeWaiters: Array<() => void> = [];
  private stopWaiters: Array<() => void> = [];
  private pending: Partial<LiveKnobs> | null = null;

  get isPaused(): boolean {
    return this.paused;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Finish was asked: the loop ends after its current step and the run is scored as one that ran to its end. */
  get isFinishing(): boolean {
    return this.finishing;
  }

  /** End a run that trains until stopped: no more steps, then the whole-split scores (not a stop). */
  finish(): void {
    this.finishing = true;
    this.paused = false;
    this.wake();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when stop() is called: a caller races a long await (a download) against it. */
  whenStopped(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** New knob values; the loop applies them before its next step. */
  setKnobs(knobs: Partial<LiveKnobs>): void {
    this.pending = mergeKnobs(this.pending, knobs);
  }

  /** Knob changes since the last call, or null. */
  takeKnobs(): Partial<LiveKnobs> | null {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }

  /** Resolves at once when running, else when resumed or stopped. */
  waitWhilePaused(): Promise<void> {
    if (!this.paused || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.resumeWaiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
