// The model format's names and limits, without tfjs: the page names the files it downloads, and
// the export quotes a model's names in its messages.

export interface ModelFiles {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

export const WEIGHTS_FILE = 'weights.bin';

/** A model.json describes layers and weights; the shipped ones are under 8 kB, a large Keras one under 1 MB. */
export const MAX_MODEL_JSON_BYTES = 8 * 1024 * 1024;

/** A name or path from a file, safe to print: quoted, control characters escaped, cut to 80 characters. */
export function quoteName(value: string): string {
  const quoted = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return quoted.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
