// A WebAssembly module of the lab's own, with SIMD loops that run on tfjs-backend-wasm's heap (it
// imports the backend's memory). tfjs ships no max-pool gradient that keeps the first maximum of
// a window, and the JS loop over the heap took 1.4 ms of a tiny-cnn MNIST step's first pooling
// layer: four channels at a time it takes a fraction of that. The module is assembled here from
// its opcodes (a few hundred bytes, compiled synchronously), so the build needs no WebAssembly
// toolchain; a page's Content-Security-Policy must allow 'wasm-unsafe-eval', as for the backend.

/** Unsigned LEB128, as the binary format writes sizes, counts and indices. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128, for i32.const. */
function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

const vector = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const name = (text: string): number[] => vector([...text].map((c) => [c.charCodeAt(0)]));

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
};
const simd = (code: number): number[] => [0xfd, ...leb(code)];
const load = (): number[] => [...simd(0x00), 0x00, 0x00]; // v128.load, alignment 1, offset 0
const store = (): number[] => [...simd(0x0b), 0x00, 0x00];
const I32X4_SPLAT = 0x11;
const I32X4_EQ = 0x37;
const F32X4_GT = 0x44;
const BITSELECT = 0x52;
const F32X4_ADD = 0xe4;
const get = (local: number) => [op.get, ...leb(local)];
const set = (local: number) => [op.set, ...leb(local)];
const i32 = (value: number) => [op.i32Const, ...sleb(value)];
const splatI32 = (value: number) => [...i32(value), ...simd(I32X4_SPLAT)];
/** A function's code entry: its locals (i32 count, v128 count) and body. */
const functionCode = (i32Locals: number, v128Locals: number, body: number[]): number[] => {
  const code = [...vector([[...leb(i32Locals), I32], [...leb(v128Locals), V128]]), ...body];
  return [...leb(code.length), ...code];
};

/**
 * maxPoolGrad2x2(x, dy, dx, rows, outWidth, channels): dx of a 2×2, stride-2 max pool over NHWC
 * data whose windows tile the input exactly (height and width twice the output's), channels a
 * multiple of 4; `rows` = batch × output height; x, dy and dx are byte offsets on the heap.
 * Each window's gradient goes to its first maximum in scan order (a strict >, starting from
 * -Infinity, so NaN never wins and a window of NaN or -Infinity gets none), as 0 + dy, like the
 * JS loop's dx[at] += dy over zeros; the other three positions get 0. Every dx element is written.
 */
function maxPoolGrad2x2Body(): number[] {
  // Locals: 0 x, 1 dy, 2 dx, 3 rows, 4 outWidth, 5 channels (params); 6 channelBytes, 7 rowBytes,
  // 8 window (byte offset of the window's top-left), 9 r, 10 ox, 11 c, 12 at, then v128 13 best, 14 index, 15 mask, 16 gradient.
  const [X, DY, DX, ROWS, OUT_WIDTH, CHANNELS, CHANNEL_BYTES, ROW_BYTES, WINDOW, R, OX, C, AT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [BEST, INDEX, MASK, GRADIENT] = [13, 14, 15, 16];
  /** The address of one of the window's four positions: at, at + channelBytes, at + rowBytes, at + both. */
  const address = (base: number, position: number) => [
    ...get(base),
    ...get(AT),
    op.i32Add,
    ...(position & 1 ? [...get(CHANNEL_BYTES), op.i32Add] : []),
    ...(position & 2 ? [...get(ROW_BYTES), op.i32Add] : []),
  ];
  /** best, index = value, position where value > best. */
  const consider = (position: number) => [
    ...address(X, position),
    ...load(),
    op.tee, ...leb(GRADIENT), // the value, kept for the select
    ...get(BEST),
    ...simd(F32X4_GT),
    ...set(MASK),
    ...get(GRADIENT),
    ...get(BEST),
    ...get(MASK),
    ...simd(BITSELECT),
    ...set(BEST),
    ...splatI32(position),
    ...get(INDEX),
    ...get(MASK),
    ...simd(BITSELECT),
    ...set(INDEX),
  ];
  const write = (position: number) => [
    ...address(DX, position),
    ...get(GRADIENT),
    ...splatI32(0),
    ...get(INDEX),
    ...splatI32(position),
    ...simd(I32X4_EQ),
    ...simd(BITSELECT),
    ...store(),
  ];
  const body = [
    // channelBytes = channels * 4; rowBytes = outWidth * 2 * channelBytes; window = 0; r = 0
    ...get(CHANNELS), ...i32(2), op.i32Shl, ...set(CHANNEL_BYTES),
    ...get(OUT_WIDTH), ...i32(1), op.i32Shl, ...get(CHANNEL_BYTES), op.i32Mul, ...set(ROW_BYTES),
    ...i32(0), ...set(WINDOW),
    ...i32(0), ...set(R),
    op.loop, 0x40,
    ...i32(0), ...set(OX),
    op.loop, 0x40,
    ...i32(0), ...set(C),
    op.loop, 0x40,
    // at = window + c
    ...get(WINDOW), ...get(C), op.i32Add, ...set(AT),
    // best = -Infinity, index = -1
    ...i32(-8388608), ...simd(I32X4_SPLAT), ...set(BEST), // 0xff800000, the bits of -Infinity
    ...splatI32(-1), ...set(INDEX),
    ...consider(0),
    ...consider(1),
    ...consider(2),
    ...consider(3),
    // gradient = 0 + dy (dy's -0 becomes +0, as in the JS loop); dy advances 16 bytes
    ...splatI32(0), // the bits of +0
    ...get(DY), ...load(),
    ...simd(F32X4_ADD), ...set(GRADIENT),
    ...get(DY), ...i32(16), op.i32Add, ...set(DY),
    ...write(0),
    ...write(1),
    ...write(2),
    ...write(3),
    // c += 16 while c < channelBytes
    ...get(C), ...i32(16), op.i32Add, op.tee, ...leb(C), ...get(CHANNEL_BYTES), op.i32LtU, op.brIf, 0,
    op.end,
    // window += 2 * channelBytes; ox += 1 while ox < outWidth
    ...get(WINDOW), ...get(CHANNEL_BYTES), ...i32(1), op.i32Shl, op.i32Add, ...set(WINDOW),
    ...get(OX), ...i32(1), op.i32Add, op.tee, ...leb(OX), ...get(OUT_WIDTH), op.i32LtU, op.brIf, 0,
    op.end,
    // the window's second input row was covered: window += rowBytes; r += 1 while r < rows
    ...get(WINDOW), ...get(ROW_BYTES), op.i32Add, ...set(WINDOW),
    ...get(R), ...i32(1), op.i32Add, op.tee, ...leb(R), ...get(ROWS), op.i32LtU, op.brIf, 0,
    op.end,
    op.end,
  ];
  return functionCode(7, 4, body);
}

/**
 * biasAdd(x, bias, out, rows, channels): out[r, c] = x[r, c] + bias[c] for rows ≥ 1 of
 * `channels` (a multiple of 4) float32 values; byte offsets on the heap.
 */
function biasAddBody(): number[] {
  const [X, BIAS, OUT, ROWS, CHANNELS, CHANNEL_BYTES, END, C] = [0, 1, 2, 3, 4, 5, 6, 7];
  return functionCode(3, 0, [
    ...get(CHANNELS), ...i32(2), op.i32Shl, ...set(CHANNEL_BYTES),
    ...get(X), ...get(ROWS), ...get(CHANNEL_BYTES), op.i32Mul, op.i32Add, ...set(END),
    op.loop, 0x40,
    ...i32(0), ...set(C),
    op.loop, 0x40,
    ...get(OUT), ...get(C), op.i32Add,
    ...get(X), ...get(C), op.i32Add, ...load(),
    ...get(BIAS), ...get(C), op.i32Add, ...load(),
    ...simd(F32X4_ADD), ...store(),
    ...get(C), ...i32(16), op.i32Add, op.tee, ...leb(C), ...get(CHANNEL_BYTES), op.i32LtU, op.brIf, 0,
    op.end,
    ...get(OUT), ...get(CHANNEL_BYTES), op.i32Add, ...set(OUT),
    ...get(X), ...get(CHANNEL_BYTES), op.i32Add, op.tee, ...leb(X), ...get(END), op.i32LtU, op.brIf, 0,
    op.end,
    op.end,
  ]);
}

/**
 * sumRows(x, out, rows, channels): out[c] = 0 + x[0, c] + x[1, c] + ..., row after row, as the
 * wasm Sum kernel adds (so the same float32 sums); rows ≥ 1, channels a multiple of 4. Four
 * channels at a time down all rows, the running sums in a register.
 */
function sumRowsBody(): number[] {
  const [X, OUT, ROWS, CHANNELS, ROW_BYTES, END, C, AT, SUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return functionCode(4, 1, [
    ...get(CHANNELS), ...i32(2), op.i32Shl, ...set(ROW_BYTES),
    ...i32(0), ...set(C),
    op.loop, 0x40,
    // at = x + c; end = at + rows * rowBytes; sum = 0
    ...get(X), ...get(C), op.i32Add, op.tee, ...leb(AT), ...get(ROWS), ...get(ROW_BYTES), op.i32Mul, op.i32Add, ...set(END),
    ...splatI32(0), ...set(SUM),
    op.loop, 0x40,
    ...get(SUM), ...get(AT), ...load(), ...simd(F32X4_ADD), ...set(SUM),
    ...get(AT), ...get(ROW_BYTES), op.i32Add, op.tee, ...leb(AT), ...get(END), op.i32LtU, op.brIf, 0,
    op.end,
    ...get(OUT), ...get(C), op.i32Add, ...get(SUM), ...store(),
    ...get(C), ...i32(16), op.i32Add, op.tee, ...leb(C), ...get(ROW_BYTES), op.i32LtU, op.brIf, 0,
    op.end,
    op.end,
  ]);
}

/**
 * outerSum{V}(x, dy, out, n, xN, dyN, rows, xRow, dyRow, cols, xCol, dyCol): for V vectors of 4
 * output channels, out[0 .. 4V) += Σ x[p] · dy[p, 0 .. 4V) over the positions p of a 3-level grid
 * (n blocks, `rows` rows a block, `cols` columns a row; each level's step in bytes for x and for
 * dy; every count ≥ 1), position after position, the running sums in registers. One filter tap
 * and input channel of a convolution's dW is one call: x points at that channel of the first input
 * pixel the tap reads, dy at the output channels. Byte offsets on the heap.
 */
function outerSumBody(vectors: number): number[] {
  const [X, DY, OUT, N, XN, DYN, ROWS, XROW, DYROW, COLS, XCOL, DYCOL] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [NI, R, J, XB, DB, XR, DR, XP, DP] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
  const SPLAT = 21 + vectors; // after the V accumulators
  const acc = (k: number) => 21 + k;
  const loadAt = (offset: number) => [...simd(0x00), 0x00, ...leb(offset)]; // v128.load, alignment 1
  const storeAt = (offset: number) => [...simd(0x0b), 0x00, ...leb(offset)];
  const F32_LOAD = [0x2a, 0x02, 0x00]; // f32.load, alignment 4, offset 0
  const F32X4_SPLAT = simd(0x13);
  const F32X4_MUL = simd(0xe6);
  const count = (counter: number, limit: number) => [...get(counter), ...i32(1), op.i32Add, op.tee, ...leb(counter), ...get(limit), op.i32LtU, op.brIf, 0];
  const body = [
    ...Array.from({ length: vectors }, (_, k) => [...get(OUT), ...loadAt(16 * k), ...set(acc(k))]).flat(),
    ...get(X), ...set(XB), ...get(DY), ...set(DB), ...i32(0), ...set(NI),
    op.loop, 0x40,
    ...get(XB), ...set(XR), ...get(DB), ...set(DR), ...i32(0), ...set(R),
    op.loop, 0x40,
    ...get(XR), ...set(XP), ...get(DR), ...set(DP), ...i32(0), ...set(J),
    op.loop, 0x40,
    ...get(XP), ...F32_LOAD, ...F32X4_SPLAT, ...set(SPLAT),
    ...Array.from({ length: vectors }, (_, k) => [...get(acc(k)), ...get(SPLAT), ...get(DP), ...loadAt(16 * k), ...F32X4_MUL, ...simd(F32X4_ADD), ...set(acc(k))]).flat(),
    ...get(XP), ...get(XCOL), op.i32Add, ...set(XP),
    ...get(DP), ...get(DYCOL), op.i32Add, ...set(DP),
    ...count(J, COLS),
    op.end,
    ...get(XR), ...get(XROW), op.i32Add, ...set(XR),
    ...get(DR), ...get(DYROW), op.i32Add, ...set(DR),
    ...count(R, ROWS),
    op.end,
    ...get(XB), ...get(XN), op.i32Add, ...set(XB),
    ...get(DB), ...get(DYN), op.i32Add, ...set(DB),
    ...count(NI, N),
    op.end,
    ...Array.from({ length: vectors }, (_, k) => [...get(OUT), ...get(acc(k)), ...storeAt(16 * k)]).flat(),
    op.end,
  ];
  return functionCode(9, vectors + 1, body);
}

/** The vector counts outerSum is compiled for: 16, 8 and 4 output channels a call. */
export const OUTER_SUM_VECTORS = [4, 2, 1] as const;

const FUNCTIONS = [
  { name: 'maxPoolGrad2x2', params: 6, code: maxPoolGrad2x2Body },
  { name: 'biasAdd', params: 5, code: biasAddBody },
  { name: 'sumRows', params: 4, code: sumRowsBody },
  ...OUTER_SUM_VECTORS.map((vectors) => ({ name: `outerSum${vectors}`, params: 12, code: () => outerSumBody(vectors) })),
];

/** A 32-bit memory's most pages (4 GiB): a shared memory import must declare a maximum, tfjs' threaded heap has this one. */
const MAX_PAGES = 65536;

/** `shared`: the import is the threaded backend's heap, a shared memory (limits flag 3: shared, with a maximum). */
function moduleBytes(shared = false): Uint8Array<ArrayBuffer> {
  const types = FUNCTIONS.map((f) => [0x60, ...vector(Array.from({ length: f.params }, () => [I32])), ...vector([])]);
  const limits = shared ? [0x03, ...leb(1), ...leb(MAX_PAGES)] : [0x00, ...leb(1)];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, ...limits];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(FUNCTIONS.map((_, i) => leb(i)))),
    ...section(7, vector(FUNCTIONS.map((f, i) => [...name(f.name), 0x00, ...leb(i)]))),
    ...section(10, vector(FUNCTIONS.map((f) => f.code()))),
  ]);
}

export interface SimdKernels {
  maxPoolGrad2x2(x: number, dy: number, dx: number, rows: number, outWidth: number, channels: number): void;
  biasAdd(x: number, bias: number, out: number, rows: number, channels: number): void;
  sumRows(x: number, out: number, rows: number, channels: number): void;
  outerSum4: OuterSum;
  outerSum2: OuterSum;
  outerSum1: OuterSum;
}

/** outerSum{V}'s signature (see outerSumBody). */
export type OuterSum = (x: number, dy: number, out: number, n: number, xN: number, dyN: number, rows: number, xRow: number, dyRow: number, cols: number, xCol: number, dyCol: number) => void;

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The module linked to `memory` (tfjs-backend-wasm's heap, shared in its threaded build: the
 * module's loops run on the calling thread only), or null where it cannot run: no WebAssembly
 * SIMD, or a page that forbids compiling WebAssembly.
 */
export function simdKernelsFor(memory: WebAssembly.Memory): SimdKernels | null {
  if (!instances.has(memory)) {
    let kernels: SimdKernels | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(shared)), { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null;
    }
    instances.set(memory, kernels);
  }
  return instances.get(memory) ?? null;
}

/** The module's bytes, for a test that they validate. */
export const SIMD_MODULE_BYTES = moduleBytes;
