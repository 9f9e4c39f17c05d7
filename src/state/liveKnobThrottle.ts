// Live knob changes reach the worker at most once per interval: a slider drag sends its first
// value at once, then the latest values merged, never one message per input event.
import { mergeKnobs, type LiveKnobs } from '../train/control';

export const LIVE_KNOB_INTERVAL_MS = 100;

export class LiveKnobThrottle {
  private pending: Partial<LiveKnobs> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (knobs: Partial<LiveKnobs>) => void,
    private readonly intervalMs = LIVE_KNOB_INTERVAL_MS,
  ) {}

  push(knobs: Partial<LiveKnobs>): void {
    this.pending = mergeKnobs(this.pending, knobs);
    if (!this.timer) this.flush();
  }

  /** Forget what has not been sent (the run it was meant for has ended). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private flush(): void {
    const knobs = this.pending;
    this.pending = null;
    if (!knobs) {
      this.timer = null;
      return;
    }
    this.send(knobs);
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }
}
