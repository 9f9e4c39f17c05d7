// The model format's names and limits, without tfjs: the page names the files it downloads.

export interface ModelFiles {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
}

export const WEIGHTS_FILE = 'weights.bin';

/** A model.json describes layers and weights; the shipped ones are under 8 kB, a large Keras one under 1 MB. */
export const MAX_MODEL_JSON_BYTES = 8 * 1024 * 1024;
