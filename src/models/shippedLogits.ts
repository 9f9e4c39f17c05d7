// A shipped teacher ships its logits for every sample of its dataset's training split
// (public/teachers/<id>/train-logits.bin, float32, in split order), so a run with augmentation
// off starts training at once instead of spending minutes on a teacher forward pass (MNIST on the
// cpu backend: >150 s). train-logits.json ties the file to the teacher's weights.bin, to the
// training split (a fingerprint of its labels and images, which the split seed decides) and to
// its own bytes; any mismatch and the logits are not used. scripts/ship-teacher-logits.ts writes them.
import type { FetchBytes, ImageSet } from '../data/types';
import { SPLIT_SEED, VAL_FRACTION } from '../data/split';

export const LOGITS_FILE = 'train-logits.bin';
export const LOGITS_META_FILE = 'train-logits.json';

export interface ShippedLogitsMeta {
  teacher: string;
  dataset: string;
  /** Rows: the training split's size. */
  count: number;
  numClasses: number;
  dtype: 'float32';
  splitSeed: number;
  valFraction: number;
  /** SHA-256 of the teacher's weights.bin. */
  weightsSha256: string;
  /** trainSplitFingerprint of the split the logits were computed on. */
  trainFingerprint: string;
  /** SHA-256 of train-logits.bin. */
  logitsSha256: string;
  createdAt: string;
}

export type ShippedLogits = { logits: Float32Array; meta: ShippedLogitsMeta } | { logits: null; reason: string };

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Images of the fingerprint: every 16th sample (hashing all of MNIST's 170 MB would take a second). */
const FINGERPRINT_STRIDE = 16;

/** SHA-256 over the split's size, every label and every 16th image: changes when the split does. */
export async function trainSplitFingerprint(set: ImageSet): Promise<string> {
  const sampleSize = set.images.length / set.count;
  const picked = Math.ceil(set.count / FINGERPRINT_STRIDE);
  const bytes = new Uint8Array(4 + set.count * 4 + picked * sampleSize * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, set.count, true);
  let at = 4;
  for (let i = 0; i < set.count; i++, at += 4) view.setInt32(at, set.labels[i], true);
  for (let i = 0; i < set.count; i += FINGERPRINT_STRIDE) {
    const image = set.images.subarray(i * sampleSize, (i + 1) * sampleSize);
    bytes.set(new Uint8Array(image.buffer, image.byteOffset, image.byteLength), at);
    at += image.byteLength;
  }
  return sha256Hex(bytes);
}

export function teacherFilePath(teacherId: string, file: string): string {
  return `teachers/${teacherId}/${file}`;
}

/**
 * The shipped logits of a shipped teacher for the dataset's whole training split as
 * loadBuiltinDataset returns it (its size and trainSplitFingerprint), or why they cannot be used.
 */
export async function loadShippedLogits(teacherId: string, fetchBytes: FetchBytes, train: { count: number; fingerprint: string }): Promise<ShippedLogits> {
  let meta: ShippedLogitsMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(await fetchBytes(teacherFilePath(teacherId, LOGITS_META_FILE)))) as ShippedLogitsMeta;
  } catch {
    return { logits: null, reason: `${teacherId} ships no training-split logits` };
  }
  if (meta.dtype !== 'float32' || meta.splitSeed !== SPLIT_SEED || meta.valFraction !== VAL_FRACTION || meta.count !== train.count) {
    return { logits: null, reason: `${teacherId}'s shipped logits were made for another split (${meta.count} samples, seed ${meta.splitSeed})` };
  }
  if (train.fingerprint !== meta.trainFingerprint) {
    return { logits: null, reason: `the ${meta.dataset} training split differs from the one ${teacherId}'s logits were computed on` };
  }
  const [weights, bytes] = await Promise.all([fetchBytes(teacherFilePath(teacherId, 'weights.bin')), fetchBytes(teacherFilePath(teacherId, LOGITS_FILE))]);
  if ((await sha256Hex(weights)) !== meta.weightsSha256) return { logits: null, reason: `${teacherId}'s weights changed since its logits were computed` };
  if (bytes.byteLength !== meta.count * meta.numClasses * 4 || (await sha256Hex(bytes)) !== meta.logitsSha256) {
    return { logits: null, reason: `${teacherId}'s ${LOGITS_FILE} is damaged (checksum)` };
  }
  const logits = new Float32Array(meta.count * meta.numClasses);
  new Uint8Array(logits.buffer).set(bytes);
  return { logits, meta };
}

/** The rows of the training samples a run uses (positions in the whole split, in run order); null: all. */
export function logitRows(logits: Float32Array, numClasses: number, positions: ArrayLike<number> | null): Float32Array {
  if (positions === null) return logits;
  const rows = new Float32Array(positions.length * numClasses);
  for (let i = 0; i < positions.length; i++) rows.set(logits.subarray(positions[i] * numClasses, (positions[i] + 1) * numClasses), i * numClasses);
  return rows;
}
