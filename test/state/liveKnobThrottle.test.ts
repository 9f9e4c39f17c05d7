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

  it('waits for typing to pause: "0.5" typed as 0, 0., 0.5 sends only 0.5', () => {
    const sent: Partial<LiveKnobs>[] = [];
    const throttle = new LiveKnobThrottle((knobs) => sent.push(knobs), 100, 500);
    throttle.push({ kdRatio: 0 }, 'typed');
    vi.advanceTimersByTime(200);
    throttle.push({ kdRatio: 0 }, 'typed');
    vi.advanceTimersByTime(200);
    throttle.push({ kdRatio: 0.5 }, 'typed');
    vi.advanceTimersByTime(499);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ kdRatio: 0.5, params: {} }]);
    vi.advanceTimersByTime(100);
    // The slider moved while T = 3 and kd_ratio 0.2 were being typed: it goes out at once, and the
    // older typed T never overrides it; the typed kd_ratio still follows.
    throttle.push({ params: { temperature: 3 }, kdRatio: 0.2 }, 'typed');
    throttle.push({ params: { temperature: 9 } }, 'slider');
    expect(sent.at(-1)).toEqual({ params: { temperature: 9 } });
    vi.advanceTimersByTime(1000);
    expect(sent.slice(2)).toEqual([{ kdRatio: 0.2, params: {} }]);
  });

  it('sends everything waiting at once when asked (a resume), typed and slid', () => {
    const sent: Partial<LiveKnobs>[] = [];
    const throttle = new LiveKnobThrottle((knobs) => sent.push(knobs), 100, 500);
    throttle.push({ params: { temperature: 5 } }, 'slider');
    throttle.push({ params: { temperature: 6 } }, 'slider');
    throttle.push({ kdRatio: 0.7 }, 'typed');
    throttle.flushNow();
    expect(sent).toEqual([{ params: { temperature: 5 } }, { kdRatio: 0.7, params: { temperature: 6 } }]);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2);
    // Slid to 8, then 9 typed: the typed value is the newer one.
    throttle.push({ params: { temperature: 7 } }, 'slider');
    throttle.push({ params: { temperature: 8 } }, 'slider');
    throttle.push({ params: { temperature: 9 } }, 'typed');
    throttle.flushNow();
    expect(sent.at(-1)).toEqual({ params: { temperature: 9 } });
  });

  it('forgets unsent changes when cancelled', () => {
    const sent: Partial<LiveKnobs>[] = [];
    const throttle = new LiveKnobThrottle((knobs) => sent.push(knobs), 100);
    throttle.push({ kdRatio: 0.1 });
    throttle.push({ kdRatio: 0.2 });
    throttle.push({ kdRatio: 0.3 }, 'typed');
    throttle.cancel();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([{ kdRatio: 0.1, params: {} }]);
    throttle.push({ kdRatio: 0.4 });
    expect(sent.at(-1)).toEqual({ kdRatio: 0.4, params: {} });
  });
});
