// The knob table's flags (docs/ARCHITECTURE.md §2, §4.3): every knob of src/train/knobs.ts, and
// every extra beside it, is a flag named after its key (kdRatio → --kd-ratio) and read as its kind
// says. A knob added to the table is a flag here, with a line of --help from its own label and help
// until USAGE describes it in its own words.
import type { ExperimentConfig } from '../train/config';
import { EXTRA_KNOBS, KNOBS, type ExtraKnob, type Knob } from '../train/knobs';
import { oneOf, parseInteger, parseNumber, UsageError } from './flagValues';

export type FlagKnob = Knob | ExtraKnob;

/** kdRatio → --kd-ratio. */
export const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/** Every flag of the table, with its knob. */
export const KNOB_FLAGS: ReadonlyMap<string, FlagKnob> = new Map(
  [...KNOBS, ...EXTRA_KNOBS].filter((knob) => knob.cli !== false).map((knob) => [flagOf(knob.key), knob]),
);

/**
 * Sets the knob from its flag. `value` takes the flag's argument (a boolean flag takes none):
 * numbers are decimal, whole numbers where the knob is; a choice that checks its options refuses
 * any other value at once, the others are judged with the whole run (parseArgs, validateConfig).
 */
export function readKnobFlag(knob: FlagKnob, flag: string, value: () => string, config: ExperimentConfig): void {
  const writable = config as unknown as Record<string, unknown>;
  if (knob.kind === 'boolean') {
    writable[knob.key] = true;
  } else if (knob.kind === 'number') {
    writable[knob.key] = knob.integer ? parseInteger(flag, value()) : parseNumber(flag, value());
  } else {
    const choice = value();
    const options = knob.flagChecksOptions ? knob.options?.() : undefined;
    if (options && !options.includes(choice)) throw new UsageError(`${flag} must be ${oneOf(options)}, got "${choice}"`);
    writable[knob.key] = choice;
  }
}

/** --help lines for the table's flags that `written` does not name: the flag, what it takes, the knob's help. */
export function knobUsageLines(written: string): string[] {
  const named = (flag: string) => new RegExp(`${flag}(?![\\w-])`).test(written);
  return [...KNOB_FLAGS].filter(([flag]) => !named(flag)).map(([flag, knob]) => {
    const takes = knob.kind === 'number' ? (knob.integer ? ' N' : ' X') : knob.kind === 'choice' ? ` ${knob.options?.().join('|') ?? 'ID'}` : '';
    return `  ${`${flag}${takes}`.padEnd(21)} ${knob.kind === 'choice' ? knob.label : knob.help}`;
  });
}
