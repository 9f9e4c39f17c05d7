// Summary statistics over seeds, shared by the Compare page's rows and the CLI's method table.

/** Sample standard deviation (n − 1); null under two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}
