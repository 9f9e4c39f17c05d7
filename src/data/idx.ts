// The IDX format of MNIST and Fashion-MNIST: magic (0, 0, type, ndims), big-endian dims, data.
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: too short to be an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${name}: not an IDX file (bad magic number)`);
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    throw new Error(`${name}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes)`);
  }
  const ndims = bytes[3];
  const headerLength = 4 + 4 * ndims;
  if (ndims < 1) throw new Error(`${name}: the IDX header declares 0 dimensions`);
  if (bytes.length < headerLength) throw new Error(`${name}: truncated IDX header (${ndims} dimensions need ${headerLength} bytes, the file has ${bytes.length})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - headerLength !== size) {
    throw new Error(`${name}: header promises ${size} values for dims [${dims.join(', ')}], file has ${bytes.length - headerLength}`);
  }
  return { dims, data: bytes.subarray(headerLength, headerLength + size) };
}

/** Pair an IDX image file ([N, H, W] or [N, H, W, C]) with its label file ([N]); messages name the files. */
export function idxToImageSet(images: IdxArray, labels: IdxArray, numClasses: number, names = { images: 'IDX images', labels: 'IDX labels' }): {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  shape: [number, number, number];
} {
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new Error(`${names.images}: IDX images must have 3 or 4 dimensions, got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) throw new Error(`${names.labels}: IDX labels must have 1 dimension, got [${labels.dims.join(', ')}]`);
  const count = images.dims[0];
  if (labels.dims[0] !== count) throw new Error(`${names.images} and ${names.labels}: IDX images hold ${count} samples but labels hold ${labels.dims[0]}`);
  const shape: [number, number, number] = [images.dims[1], images.dims[2], images.dims[3] ?? 1];
  const out = new Float32Array(images.data.length);
  for (let i = 0; i < out.length; i++) out[i] = images.data[i] / 255;
  const outLabels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= numClasses) throw new Error(`${names.labels}: IDX label ${label} at index ${i} is out of range for ${numClasses} classes`);
    outLabels[i] = label;
  }
  return { images: out, labels: outLabels, count, shape };
}
