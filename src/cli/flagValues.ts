// Reading a flag's value: numbers are decimal, whole-number flags refuse fractions, and every
// refusal is a UsageError, one line naming the flag (docs/ARCHITECTURE.md §4.3).

/** A bad flag: main prints its message as one line and exits 2. */
export class UsageError extends Error {}

/** Decimal numbers only: Number() would also read "0x10" as 16, "0b11" as 3 and "" as 0. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseNumber(flag: string, raw: string | undefined): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  const value = Number(raw);
  if (!DECIMAL.test(raw.trim()) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} expects a number, got "${raw}"${/^[+-]?0[box]/i.test(raw.trim()) ? ' (decimal digits only)' : ''}`);
  }
  return value;
}

export function parseInteger(flag: string, raw: string | undefined): number {
  const value = parseNumber(flag, raw);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} expects a whole number, got "${raw}"`);
  return value;
}

/** "a or b", "a, b or c": the values a flag accepts, as a refusal names them. */
export function oneOf(values: readonly string[]): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
