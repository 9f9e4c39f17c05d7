// A slider drag reaches the worker as its first value at once, then at most one merged message per interval.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveKnobs } from '../../src/train/control';
import { LiveKnobThrottle } from '../../src/state/liveKnobThrottle';

describe('LiveKnobThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once and merges a drag into one message per interval', () => {
    const sent: Partial<LiveKnobs>[] = [];
    const throttle = new LiveKnobThrottle((knobs) => sent.push(knobs), 100);
    throttle.push({ params: { temperature: 5 } });
    expect(sent).toEqual([{ params: { temperature: 5 } }]);
    for (const temperature of [6, 7, 8]) {
      vi.advanceTimersByTime(20);
      throttle.push({ params: { temperature } });
    }
    throttle.push({ kdRatio: 0.3 });
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(40); // 100 ms after the first message
    expect(sent).toEqual([{ params: { temperature: 5 } }, { kdRatio: 0.3, params: { temperature: 8 } }]);
    // Nothing more to send: the next change goes out at once again after a quiet interval.
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
    throttle.push({ kdRatio: 0.6 });
    expect(sent.at(-1)).toEqual({ kdRatio: 0.6, params: {} });
  });

  it('forgets unsent changes when cancelled', () => {
    const sent: Partial<LiveKnobs>[] = [];
    const throttle = new LiveKnobThrottle((knobs) => sent.push(knobs), 100);
    throttle.push({ kdRatio: 0.1 });
    throttle.push({ kdRatio: 0.2 });
    throttle.cancel();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([{ kdRatio: 0.1, params: {} }]);
    throttle.push({ kdRatio: 0.4 });
    expect(sent.at(-1)).toEqual({ kdRatio: 0.4, params: {} });
  });
});
