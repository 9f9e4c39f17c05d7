// The loss chart's markers of live knob changes: where each took effect (the step the worker
// reported) and what it set, as "T = 8" or "kd_ratio = 0.5".
import type { KnobChange } from '../train/control';

/** Short names of parameters where the papers have one. */
const SHORT_NAMES: Record<string, string> = { temperature: 'T' };

/** "temperature" → "T"; a recipe term's "dkd.temperature" → "dkd T". */
function knobName(key: string): string {
  const dot = key.indexOf('.');
  const name = dot < 0 ? key : key.slice(dot + 1);
  const short = SHORT_NAMES[name] ?? name;
  return dot < 0 ? short : `${key.slice(0, dot)} ${short}`;
}

/** Four significant digits: a slider's 0.35000000000000003 reads 0.35. */
const formatValue = (value: number) => String(Number(value.toPrecision(4)));

export function knobChangeLabel(change: KnobChange): string {
  const parts = Object.entries(change.params ?? {}).map(([key, value]) => `${knobName(key)} = ${formatValue(value)}`);
  if (change.kdRatio !== undefined) parts.push(`kd_ratio = ${formatValue(change.kdRatio)}`);
  return parts.join(', ');
}

export interface KnobMark {
  step: number;
  label: string;
}

/** A change as the page heard it: `receivedAt` (ms) tells the changes of one slider drag apart from the next gesture. */
export type HeardKnobChange = KnobChange & { receivedAt?: number };

/**
 * Changes of the same knobs heard less than this apart are one gesture: a drag sends its values
 * every 100 ms (liveKnobThrottle.ts), a hand lets go and comes back after far longer.
 */
export const GESTURE_GAP_MS = 700;

const sameKnobs = (a: KnobChange, b: KnobChange) =>
  (a.kdRatio === undefined) === (b.kdRatio === undefined) && Object.keys(a.params ?? {}).sort().join() === Object.keys(b.params ?? {}).sort().join();

/**
 * One mark per gesture: a drag of T is one "T = 8" where it was let go (the step its last value
 * took effect), not one mark per value the drag passed through.
 */
export function knobMarks(changes: readonly HeardKnobChange[]): KnobMark[] {
  const gestures: HeardKnobChange[] = [];
  for (const change of changes) {
    const last = gestures[gestures.length - 1];
    const oneGesture =
      last !== undefined && last.receivedAt !== undefined && change.receivedAt !== undefined && change.receivedAt - last.receivedAt < GESTURE_GAP_MS && sameKnobs(last, change);
    if (oneGesture) gestures[gestures.length - 1] = change;
    else gestures.push(change);
  }
  return gestures.map((change) => ({ step: change.step, label: knobChangeLabel(change) }));
}

/** Share of the chart's width a label takes, roughly: closer marks put their labels on the next row. */
const LABEL_WIDTH_SHARE = 0.12;
const LABEL_ROWS = 4;

/**
 * The label row of each mark (0 = top): a slider drag leaves marks a few steps apart, whose
 * labels would print over each other on one row.
 */
export function labelRows(steps: readonly number[], span: number): number[] {
  const rows: number[] = [];
  steps.forEach((step, i) => {
    const crowded = i > 0 && step - steps[i - 1] < span * LABEL_WIDTH_SHARE;
    rows.push(crowded ? (rows[i - 1] + 1) % LABEL_ROWS : 0);
  });
  return rows;
}
