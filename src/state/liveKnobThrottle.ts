// Live knob changes reach the worker at most once per interval: a slider drag sends its first
// value at once, then the latest values merged, never one message per input event. A typed
// number waits until the typing pauses: "0.5" must not train a few steps at kd_ratio 0 on the way.
import { mergeKnobs, type LiveKnobs } from '../train/control';

export const LIVE_KNOB_INTERVAL_MS = 100;
export const TYPING_PAUSE_MS = 500;

/** Where a value came from: a slider moves through valid values; a number box passes through its prefixes. */
export type KnobSource = 'slider' | 'typed';

export class LiveKnobThrottle {
  private pending: Partial<LiveKnobs> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private typed: Partial<LiveKnobs> | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (knobs: Partial<LiveKnobs>) => void,
    private readonly intervalMs = LIVE_KNOB_INTERVAL_MS,
    private readonly typingPauseMs = TYPING_PAUSE_MS,
  ) {}

  push(knobs: Partial<LiveKnobs>, source: KnobSource = 'slider'): void {
    if (source === 'typed') {
      this.typed = mergeKnobs(this.typed, knobs);
      if (this.typingTimer) clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.typingPaused(), this.typingPauseMs);
      return;
    }
    // A value typed earlier must not land after the slider's newer one.
    if (this.typed) this.typed = withoutKnobs(this.typed, knobs);
    this.pending = mergeKnobs(this.pending, knobs);
    if (!this.timer) this.flush();
  }

  /** Send everything waiting now (before a resume: the first step after it must see what was set while paused). */
  flushNow(): void {
    // A typed value that shares a knob with a slid one came later (a slide drops older typed values).
    const knobs = this.typed ? mergeKnobs(this.pending, this.typed) : this.pending;
    this.cancel();
    if (knobs) {
      this.send(knobs);
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
    }
  }

  /** Forget what has not been sent (the run it was meant for has ended). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.timer = null;
    this.typingTimer = null;
    this.pending = null;
    this.typed = null;
  }

  private typingPaused(): void {
    const typed = this.typed;
    this.typed = null;
    this.typingTimer = null;
    if (typed) this.push(typed, 'slider');
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

/** `knobs` less every knob that `newer` sets. */
function withoutKnobs(knobs: Partial<LiveKnobs>, newer: Partial<LiveKnobs>): Partial<LiveKnobs> {
  const params = Object.fromEntries(Object.entries(knobs.params ?? {}).filter(([name]) => newer.params?.[name] === undefined));
  const rest: Partial<LiveKnobs> = { params };
  if (knobs.kdRatio !== undefined && newer.kdRatio === undefined) rest.kdRatio = knobs.kdRatio;
  return rest;
}
