// The loss contract of docs/ARCHITECTURE.md §4.1, checked for every method of the method table
// (METHODS, reached through the registry) on inputs built from what its table entry says it reads:
// a new method is covered as soon as it is in the table and the registry. A loss returns one
// float32 scalar and leaves no other tensor behind; it stays finite, with finite gradients, on
// degenerate inputs; it trains the student's inputs and its learnable parts and never the
// teacher's (a mutual method's peer) even when they are taped; it is ~0 when the student is the
// teacher; it does not depend on the order of the batch; and a method that reads layers refuses
// inputs without them, naming itself and both shapes. What belongs to one method (its formula in
// float64, golden values, hand-computed cases, identities, its own refusals) is in
// test/kd/losses/<id>.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  computeDistillLoss,
  createLearnableParts,
  getMethod,
  METHODS,
  paramProblem,
  type DistillInputs,
  type LearnableParts,
  type MethodSpec,
} from '../../../src/kd';
import {
  disposeInputs,
  expectClose,
  expectStudentOnlyGradients,
  gradientReport,
  permuteBatch,
  randomMatrix,
  randomNhwc,
  sampleShape,
  shape4,
  tensor4d,
  valueOf,
  zerosNhwc,
  type Nested2,
  type Nested4,
} from './lossTestKit';

const BATCH = 5;
const CLASSES = 5;
const ORDER = [3, 0, 4, 1, 2];

/** IRG's vertex term and UDML's DML term read the logits besides the layers their table entries name. */
const ALSO_READS_LOGITS: ReadonlySet<string> = new Set(['irg', 'udml']);

/** A uniform draw above every default drop ratio: a method that samples (MGD's mask) keeps every channel. */
const KEEP_ALL = () => 0.9;

/** What a method's loss reads, from its table entry. */
interface Reads {
  logits: boolean;
  embedding: boolean;
  /**
   * The numbers of feature-map pairs it is checked with: one and two for a features method (two
   * only for one that asks for two or more: AFD), the extra pairs an embedding method accepts
   * (IRG: none, and two for its full form), none else.
   */
  mapCounts: readonly number[];
}

function readsOf(spec: MethodSpec): Reads {
  const { layers } = spec;
  return {
    logits: layers.reads === 'logits' || ALSO_READS_LOGITS.has(spec.id),
    embedding: layers.reads === 'embedding',
    mapCounts: layers.reads === 'features' ? [1, 2].filter((n) => n >= (layers.minPairs ?? 1)) : layers.reads === 'embedding' ? layers.extraFeaturePairs : [0],
  };
}

/**
 * Two pairs with other channel counts on the two sides (connectors then align). The student's
 * first map is larger than the teacher's (it is pooled), unless the method asks for equal sizes;
 * each network's second map is smaller with twice the channels of its first (IRG's layer rule).
 * A method that compares maps entry by entry (UDML) gets the teacher's shapes on both sides.
 */
function mapShapes(spec: MethodSpec): { student: [number, number, number, number][]; teacher: [number, number, number, number][] } {
  const pairSize = spec.layers.reads === 'features' ? spec.layers.pairSize : undefined;
  const first = pairSize === 'equal' ? 4 : 8;
  const teacher: [number, number, number, number][] = [
    [BATCH, 4, 4, 3],
    [BATCH, 2, 2, 6],
  ];
  if (pairSize === 'identical') return { student: teacher, teacher };
  return {
    student: [
      [BATCH, first, first, 2],
      [BATCH, 2, 2, 4],
    ],
    teacher,
  };
}

/** One network's side of a case: only what the method reads besides the logits, which are always given. */
interface Side {
  logits: Nested2;
  embedding: Nested2 | null;
  maps: Nested4[];
}

interface Case {
  student: Side;
  teacher: Side;
  labels: number[];
}

const labels = Array.from({ length: BATCH }, (_, b) => b % CLASSES);

function randomCase(spec: MethodSpec, seed: number, pairs: number): Case {
  const reads = readsOf(spec);
  const shapes = mapShapes(spec);
  const side = (offset: number, width: number, scale: number, maps: [number, number, number, number][]): Side => ({
    logits: randomMatrix(seed + offset, BATCH, CLASSES, scale),
    embedding: reads.embedding ? randomMatrix(seed + offset + 1, BATCH, width) : null,
    maps: maps.slice(0, pairs).map((shape, i) => randomNhwc(seed + offset + 2 + i, shape)),
  });
  return { student: side(0, 3, 2, shapes.student), teacher: side(10, 5, 3, shapes.teacher), labels };
}

/** Logits of ±50, confident in other classes on the two sides: every other probability underflows. */
function extremeLogits(shift: number, withZero: boolean): Nested2 {
  return Array.from({ length: BATCH }, (_, b) =>
    Array.from({ length: CLASSES }, (_, c) => {
      if (c === (b + shift) % CLASSES) return 50;
      return withZero && c === (b + 2) % CLASSES ? 0 : -50;
    }),
  );
}

/**
 * The degenerate inputs of a method: extreme logits for a method that reads only logits, else
 * all-zero embeddings and maps (the logits, which IRG also reads, stay random).
 */
function degenerateCase(spec: MethodSpec, seed: number, pairs: number): Case {
  const random = randomCase(spec, seed, pairs);
  if (spec.layers.reads === 'logits') {
    return {
      student: { ...random.student, logits: extremeLogits(0, true) },
      teacher: { ...random.teacher, logits: extremeLogits(1, false) },
      labels,
    };
  }
  const zero = (side: Side): Side => ({
    logits: side.logits,
    embedding: side.embedding && side.embedding.map((row) => row.map(() => 0)),
    maps: side.maps.map((map) => zerosNhwc(shape4(map))),
  });
  return { student: zero(random.student), teacher: zero(random.teacher), labels };
}

function toInputs(c: Case, extra: Partial<DistillInputs> = {}): DistillInputs {
  return {
    studentLogits: tf.tensor2d(c.student.logits),
    teacherLogits: tf.tensor2d(c.teacher.logits),
    labels: tf.tensor1d(c.labels, 'int32'),
    ...(c.student.embedding && c.teacher.embedding
      ? { studentEmbedding: tf.tensor2d(c.student.embedding), teacherEmbedding: tf.tensor2d(c.teacher.embedding) }
      : {}),
    ...(c.student.maps.length > 0 ? { studentFeatures: c.student.maps.map(tensor4d), teacherFeatures: c.teacher.maps.map(tensor4d) } : {}),
    ...extra,
  };
}

const lossValue = (id: string, c: Case, extra?: Partial<DistillInputs>, params?: Record<string, number>): number =>
  valueOf(tf.tidy(() => computeDistillLoss(id, toInputs(c, extra), params)));

/** The method's connectors for the case's pairs, or null for a method without any. */
function partsFor(id: string, c: Case, seed = 7): LearnableParts | null {
  const pairs = c.student.maps.map((map, i) => ({ student: sampleShape(map), teacher: sampleShape(c.teacher.maps[i]) }));
  return createLearnableParts(id, pairs, seed);
}

/** Every parameter one step away from its default (down where up is out of range). */
function otherParams(spec: MethodSpec): Record<string, number> {
  return Object.fromEntries(
    spec.params.map((param) => {
      const up = param.default + param.step;
      return [param.name, paramProblem(param, up) === null ? up : param.default - param.step];
    }),
  );
}

/**
 * The student's and the teacher's tensors of what the method reads, as gradientReport takes
 * them, and the loss that puts the taped ones back in their places among the other inputs.
 */
function taped(id: string, reads: Reads, student: Side, teacher: Side, extra: Partial<DistillInputs>) {
  const sideTensors = (side: Side): tf.Tensor[] => [
    ...(reads.logits ? [tf.tensor2d(side.logits)] : []),
    ...(side.embedding ? [tf.tensor2d(side.embedding)] : []),
    ...side.maps.map(tensor4d),
  ];
  const place = (inputs: DistillInputs, s: tf.Tensor[], t: tf.Tensor[]): DistillInputs => {
    let next = 0;
    const placed = { ...inputs };
    if (reads.logits) {
      placed.studentLogits = s[next] as tf.Tensor2D;
      placed.teacherLogits = t[next++] as tf.Tensor2D;
    }
    if (student.embedding) {
      placed.studentEmbedding = s[next] as tf.Tensor2D;
      placed.teacherEmbedding = t[next++] as tf.Tensor2D;
    }
    if (student.maps.length > 0) {
      placed.studentFeatures = s.slice(next) as tf.Tensor4D[];
      placed.teacherFeatures = t.slice(next) as tf.Tensor4D[];
    }
    return placed;
  };
  return {
    student: sideTensors(student),
    teacher: sideTensors(teacher),
    loss: (s: tf.Tensor[], t: tf.Tensor[]) => computeDistillLoss(id, place(toInputs({ student, teacher, labels }, extra), s, t)),
  };
}

/** numTensors grows by exactly the returned scalar, which is float32, finite and of shape []. */
function expectOnlyTheScalar(run: () => tf.Tensor): void {
  const before = tf.memory().numTensors;
  const loss = run();
  expect(loss.shape).toEqual([]);
  expect(loss.dtype).toBe('float32');
  expect(tf.memory().numTensors).toBe(before + 1);
  expect(Number.isFinite(valueOf(loss))).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
}

describe.each(METHODS.map((spec) => spec.id))('loss contract: %s', (id) => {
  const spec = METHODS.find((m) => m.id === id)!;
  const reads = readsOf(spec);
  const learnable = getMethod(id)?.createLearnable !== undefined;
  const trains = spec.kind !== 'none';
  const short = spec.label.split(' ')[0];
  const forms = reads.mapCounts.some((n) => n > 0) ? ` (${reads.mapCounts.join(' and ')} layer pairs)` : '';

  it(`is registered, returns one float32 scalar and leaves no other tensor behind, at its defaults and at other parameters${forms}`, () => {
    expect(getMethod(id)?.compute).toBeTypeOf('function');
    for (const pairs of reads.mapCounts) {
      const c = randomCase(spec, 1000 + pairs, pairs);
      const inputs = toInputs(c);
      expectOnlyTheScalar(() => computeDistillLoss(id, inputs));
      expectOnlyTheScalar(() => computeDistillLoss(id, inputs, otherParams(spec)));
      if (learnable) {
        const before = tf.memory().numTensors;
        const parts = partsFor(id, c)!;
        expectOnlyTheScalar(() => computeDistillLoss(id, { ...inputs, learnable: parts }));
        parts.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }
      disposeInputs(inputs);
    }
  });

  it(`is finite, value and gradients, on ${spec.layers.reads === 'logits' ? 'extreme logits (±50)' : 'all-zero layers'}${forms}`, () => {
    for (const pairs of reads.mapCounts) {
      const degenerate = degenerateCase(spec, 2000 + pairs, pairs);
      expect(Number.isFinite(lossValue(id, degenerate))).toBe(true);
      if (!trains) continue;
      // The teacher stays extreme beside extreme student logits, and random beside all-zero student layers.
      const teacher = spec.layers.reads === 'logits' ? degenerate.teacher : randomCase(spec, 2100 + pairs, pairs).teacher;
      const parts = partsFor(id, degenerate);
      const { student: s, teacher: t, loss } = taped(id, reads, degenerate.student, teacher, parts ? { learnable: parts } : {});
      const report = gradientReport(s, t, loss, parts?.variables ?? []);
      expect(report.allGradientsFinite).toBe(true);
      expect(Number.isFinite(report.value)).toBe(true);
      parts?.dispose();
    }
  });

  if (trains) {
    it(`sends gradient to the student's inputs and learnable parts; never to the teacher's, even when they are taped${forms}`, () => {
      for (const pairs of reads.mapCounts) {
        const c = randomCase(spec, 3000 + pairs, pairs);
        const parts = partsFor(id, c);
        const extra = { random: KEEP_ALL, ...(parts ? { learnable: parts } : {}) };
        const { student: s, teacher: t, loss } = taped(id, reads, c.student, c.teacher, extra);
        const report = gradientReport(s, t, loss, parts?.variables ?? []);
        expectStudentOnlyGradients(report);
        expect(report.studentGradientNorms).toHaveLength(s.length);
        expect(report.learnableGradientNorms).toHaveLength(parts?.variables.length ?? 0);
        parts?.dispose();
      }
    });
  }

  if (!learnable) {
    it(`is ~0 when the student is the teacher${forms}`, () => {
      for (const pairs of reads.mapCounts) {
        const c = randomCase(spec, 4000 + pairs, pairs);
        expect(Math.abs(lossValue(id, { ...c, teacher: c.student }))).toBeLessThan(1e-5);
      }
    });
  }

  it(`is unchanged when the batch is reordered, the same way for student, teacher and labels${forms}`, () => {
    const permute = (side: Side): Side => ({
      logits: permuteBatch(side.logits, ORDER),
      embedding: side.embedding && permuteBatch(side.embedding, ORDER),
      maps: side.maps.map((map) => permuteBatch(map, ORDER)),
    });
    for (const pairs of reads.mapCounts) {
      const c = randomCase(spec, 5000 + pairs, pairs);
      const reordered = { student: permute(c.student), teacher: permute(c.teacher), labels: permuteBatch(c.labels, ORDER) };
      expectClose(lossValue(id, reordered, { random: KEEP_ALL }), lossValue(id, c, { random: KEEP_ALL }), 1e-5, 1e-8);
    }
  });

  if (spec.layers.reads !== 'logits') {
    it('refuses inputs without its layers, a teacher batch of another size and unpaired maps, naming itself and both shapes', () => {
      const most = Math.max(...reads.mapCounts);
      const c = randomCase(spec, 6000, most);
      const logitsOnly: Case = { ...c, student: { ...c.student, embedding: null, maps: [] }, teacher: { ...c.teacher, embedding: null, maps: [] } };
      expect(() => lossValue(id, logitsOnly)).toThrow(
        spec.layers.reads === 'features' ? `${short} needs feature maps` : `${short} needs the student's and the teacher's embeddings`,
      );
      const fewer = <T>(batch: T[]) => batch.slice(0, BATCH - 1);
      if (c.teacher.embedding) {
        const teacher = { ...c.teacher, embedding: fewer(c.teacher.embedding) };
        expect(() => lossValue(id, { ...c, teacher })).toThrow(
          `${short}: student embedding [${BATCH},3] and teacher embedding [${BATCH - 1},5] have different batch sizes`,
        );
      } else {
        const teacher = { ...c.teacher, maps: c.teacher.maps.map(fewer) };
        const studentShape = sampleShape(c.student.maps[0]);
        const teacherShape = sampleShape(c.teacher.maps[0]);
        expect(() => lossValue(id, { ...c, teacher })).toThrow(
          `${short} pair 1: student batch ${BATCH} and teacher batch ${BATCH - 1} differ ` +
            `(student [${BATCH},${studentShape}], teacher [${BATCH - 1},${teacherShape}])`,
        );
      }
      if (most > 1) {
        const teacher = { ...c.teacher, maps: c.teacher.maps.slice(0, 1) };
        expect(() => lossValue(id, { ...c, teacher })).toThrow(`${short} pairs layers by position: got ${most} student and 1 teacher feature maps`);
      }
    });
  }
});
