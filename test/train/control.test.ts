// RunControl: cooperative pause / resume / stop and knob changes between steps.
import { describe, expect, it } from 'vitest';
import { RunControl } from '../../src/train/control';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 10));
  return done;
};

describe('RunControl', () => {
  it('waits while paused and wakes on resume', async () => {
    const control = new RunControl();
    expect(await settled(control.waitWhilePaused())).toBe(true);
    control.pause();
    expect(control.isPaused).toBe(true);
    const waiting = control.waitWhilePaused();
    expect(await settled(waiting)).toBe(false);
    control.resume();
    expect(await settled(waiting)).toBe(true);
    expect(control.isPaused).toBe(false);
  });

  it('wakes a paused waiter on stop, and never waits once stopped', async () => {
    const control = new RunControl();
    control.pause();
    const waiting = control.waitWhilePaused();
    control.stop();
    expect(await settled(waiting)).toBe(true);
    expect(control.isStopped).toBe(true);
    expect(await settled(control.waitWhilePaused())).toBe(true);
  });

  it('merges knob changes until they are taken, then forgets them', () => {
    const control = new RunControl();
    expect(control.takeKnobs()).toBeNull();
    control.setKnobs({ kdRatio: 0.2 });
    control.setKnobs({ params: { temperature: 2 } });
    control.setKnobs({ params: { alpha: 1 } });
    control.setKnobs({ kdRatio: 0.4 });
    expect(control.takeKnobs()).toEqual({ kdRatio: 0.4, params: { temperature: 2, alpha: 1 } });
    expect(control.takeKnobs()).toBeNull();
  });
});
