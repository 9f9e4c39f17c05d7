/** Images are NHWC floats in [0, 1]; labels are class indices. */
export interface ImageSet {
  images: Float32Array;
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
