/**
 * Images are NHWC: floats in [0, 1], or bytes 0..255 standing for byte / 255 (a user's files:
 * a quarter of the memory). Labels are class indices.
 */
export interface ImageSet {
  images: Float32Array | Uint8Array;
  labels: Int32Array;
  count: number;
}

export interface DatasetInfo {
  id: string;
  name: string;
  /** [height, width, channels] */
  inputShape: [number, number, number];
  numClasses: number;
  classNames: string[];
  description: string;
  source: string;
  /**
   * Inputs are (pixel - mean) / std per channel, with these statistics of the train split: set
   * for a user's dataset, absent for the shipped ones (their teachers were trained on [0, 1]).
   */
  normalization?: ChannelStats;
}

export interface ChannelStats {
  mean: number[];
  std: number[];
}

export interface Dataset {
  info: DatasetInfo;
  train: ImageSet;
  val: ImageSet;
  test: ImageSet;
}

/** Fetches a file's bytes; reports bytes read so far (total may be unknown: 0). */
export type FetchBytes = (path: string, onProgress?: (loaded: number, total: number) => void) => Promise<Uint8Array>;

export interface LoadProgress {
  /** 0..1 over all files of the dataset */
  fraction: number;
  message: string;
}
