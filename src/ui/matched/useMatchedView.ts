// The matched view's data for the Lab's run: asked of the worker while the run trains (no more
// often than every 3 s, nor than every 40 × the time a view takes, so it costs training at most
// about 2.5 %, half the 5 % allowed), once when it pauses, and once at its end together with the run's start (before and
// after), for the chosen test image (docs/ARCHITECTURE.md §4.6).
import { useEffect, useState } from 'react';
import { labDoor } from '../../state/door';
import { SUPERSEDED, WorkerGone } from '../../worker/door';
import type { RunStatus } from '../../state/store';
import type { MatchedViewReply } from '../../worker/protocol';
import { errorMessage } from '../../core/errors';

/** The shortest wait between two views of a training run. */
export const REFRESH_MS = 3000;
/** A view may take at most this share of the time between two views. */
const COST_SHARE = 0.025;

export interface MatchedViewState {
  now: MatchedViewReply | null;
  start: MatchedViewReply | null;
  message: string | null;
  /** How many views of this run have arrived (the browser test counts refreshes). */
  refreshes: number;
}

const EMPTY: MatchedViewState = { now: null, start: null, message: null, refreshes: 0 };

/** The wait before the next view, after one that took `seconds`. */
export function refreshDelay(seconds: number): number {
  return Math.max(REFRESH_MS, (seconds * 1000) / COST_SHARE);
}

export function useMatchedView(runId: string | null, status: RunStatus, imageIndex: number): MatchedViewState {
  const [state, setState] = useState<MatchedViewState>(EMPTY);
  const phase = status === 'training' ? 'training' : status === 'paused' ? 'paused' : status === 'done' || status === 'stopped' ? 'ended' : 'none';
  useEffect(() => {
    setState(EMPTY);
  }, [runId]);
  useEffect(() => {
    if (!runId || phase === 'none') return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async (when: 'now' | 'start'): Promise<MatchedViewReply | null> => {
      try {
        const reply = await labDoor().latest(`matched-${when}`, 'matchedView', { runId, imageIndex, when });
        if (reply === SUPERSEDED || cancelled) return null;
        setState((previous) => ({ ...previous, [when]: reply, message: null, refreshes: previous.refreshes + 1 }));
        return reply;
      } catch (error) {
        if (!cancelled) setState((previous) => ({ ...previous, message: error instanceof WorkerGone ? 'The worker restarted: the student of this run is gone.' : errorMessage(error) }));
        return null;
      }
    };
    const loop = async () => {
      const reply = await ask('now');
      if (!cancelled && phase === 'training') timer = setTimeout(() => void loop(), refreshDelay(reply?.seconds ?? 0));
    };
    void loop();
    if (phase === 'ended') void ask('start');
    return () => {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [runId, phase, imageIndex]);
  return state;
}
