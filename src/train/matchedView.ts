// What each distillation term of a run matches, as pictures (docs/ARCHITECTURE.md §4.6): one
// forward pass of the student and the teacher on one chosen test image and one class-sorted batch
// of test images, then each method's own matched pictures (DistillMethod.matched, computed by the
// functions its loss calls), read back in one transfer as plain arrays with a colour range each.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DistillMethod, MatchedPicture } from '../kd';
import { otherSide } from '../kd/methods';
import type { DeviceSplit } from '../data/device';
import { createRng } from '../core/rng';
import { errorMessage } from '../core/errors';
import { termInputs, type PlannedTerm } from './distillPlan';
import { balancedIndices } from './inspect';
import type { RunParts } from './runWindow';

/** What the page asks to see. */
export interface MatchedViewRequest {
  /** The test image the maps are drawn for: its index in the dataset's test split. */
  imageIndex: number;
  /** Test images of each class in the relations' batch (default 4; 1 to 16; the batch holds at most 64). */
  perClass?: number;
}

/** A heat map or a matrix: `values` row-major, `rows` × `columns`. */
export interface Grid {
  rows: number;
  columns: number;
  values: Float32Array;
}

/** The layers a picture was read from (a relation of the logits: 'logits' on both sides; `teacher`: the peer's for a mutual method). */
export interface LayerNames {
  student: string;
  teacher: string;
}

/** One layer pair's maps over the chosen image (AT, FitNet, MGD, VID). */
export interface MatchedMap {
  layers: LayerNames;
  /** The student's side (after its connector when the method has one) and the teacher's, at the size the loss compares them. */
  student: Grid;
  teacher: Grid;
  /** 'signed': student − teacher; 'cost': the loss's own per-position term (channel mean). */
  difference: Grid;
  differenceKind: 'signed' | 'cost';
  captions: { student: string; teacher: string; difference: string };
  /** The colour range the student's and the teacher's maps share: [min, max] over both. */
  range: [number, number];
  /** The difference's colour range: [−m, m], m its largest magnitude, when signed; else [min(0, min), max]. */
  differenceRange: [number, number];
}

/** One relation over the batch (SP, RKD, PKT, IRG: samples × samples; DIST: samples × classes). */
export interface MatchedRelation {
  layers: LayerNames;
  student: Grid;
  teacher: Grid;
  /** What the columns are: the batch's samples (in `MatchedView.batch` order) or the classes. */
  columns: 'samples' | 'classes';
  caption: string;
  /** The colour range both matrices share: [min, max] over both. */
  range: [number, number];
}

/**
 * AFD's attention over every pair of its layers, on the batch: rows are the teacher's layers (T),
 * columns the student's (S); each grid is T × S, the mean over the batch's samples.
 */
export interface MatchedLayerPairs {
  /** The columns' layers (the student's) and the rows' (the teacher's), in the term's order. */
  layers: { student: string[]; teacher: string[] };
  /** How much each teacher layer attends to each student layer: each row sums to 1 (drawn on [0, 1]). */
  attention: Grid;
  /** The distance each attention weighs: the normalised energy maps' mean squared difference. */
  distance: Grid;
  /** attention × distance, per sample then averaged: the term is the sum of its entries. */
  weighted: Grid;
  captions: { attention: string; distance: string; weighted: string };
  /** The colour ranges of `distance` and `weighted`: [min(0, min), max] each. */
  distanceRange: [number, number];
  weightedRange: [number, number];
}

/**
 * How one term of the run is shown, in the order of the run's terms. `against` is whose side the
 * pictures' `teacher` grids and layers are: the teacher's, or a mutual method's peer student's.
 */
export type MatchedTerm = { method: string; label: string; against: 'teacher' | 'peer' } & (
  | { show: 'maps'; maps: MatchedMap[] }
  | { show: 'relations'; relations: MatchedRelation[] }
  /** AFD: its attention over the layer pairs, on the batch. */
  | { show: 'layer-pairs'; layerPairs: MatchedLayerPairs[] }
  /** A soft-label method (KD, DKD): the soft-label explorer shows what it matches. */
  | { show: 'soft-labels' }
  /** Not drawn: a method without pictures, or pictures that failed (the reason says which). */
  | { show: 'nothing'; reason: string }
);

export interface MatchedImage {
  index: number;
  label: number;
  /** [height, width, channels]; `pixels` in [0, 1], row-major HWC, as stored (never normalised). */
  shape: [number, number, number];
  pixels: Float32Array;
}

export interface MatchedBatch {
  /** Test-split indices of the batch's samples, sorted by class (then index): the relations' rows and columns. */
  indices: Int32Array;
  labels: Int32Array;
  /** Positions in the batch where a new class starts (the first sample's 0 left out). */
  boundaries: number[];
}

/** The pictures of every term of a run at one moment. */
export interface MatchedView {
  /** Steps the student had trained when drawn (0 for the run's start). */
  step: number;
  /** The chosen image, when a term draws maps. */
  image: MatchedImage | null;
  /** The class-sorted batch, when a term draws relations. */
  batch: MatchedBatch | null;
  terms: MatchedTerm[];
  /** Wall time it took: the page refreshes no more often than every 20 × this (≤ 5 % of the time). */
  seconds: number;
}

/** A run's models and parts, as the view reads them. */
export interface MatchedSource extends RunParts {
  /** The student: read through the plan's tapped student when it has one, else for its logits. */
  student: tfl.LayersModel;
  /** The other side: the teacher, or a mutual run's peer student (the plan taps it as a teacher); null when none. */
  teacher: tfl.LayersModel | null;
  numClasses: number;
}

const DEFAULT_PER_CLASS = 4;
const MAX_PER_CLASS = 16;
const MAX_BATCH = 64;
/** MGD's mask in the view: drawn from this fixed stream, so every refresh draws the same one. */
export const MATCHED_MASK_SEED = 0x6d61736b;

/** The batch of the relations: `perClass` test images of each class, sorted by class then index. */
export function classSortedBatch(labels: ArrayLike<number>, count: number, numClasses: number, perClass = DEFAULT_PER_CLASS): MatchedBatch {
  const each = Math.min(Math.max(Math.floor(perClass), 1), MAX_PER_CLASS);
  const chosen = balancedIndices(labels, count, numClasses, each).slice(0, MAX_BATCH);
  chosen.sort((a, b) => labels[a] - labels[b] || a - b);
  const sortedLabels = Int32Array.from(chosen, (index) => labels[index]);
  const boundaries = chosen.flatMap((_, i) => (i > 0 && sortedLabels[i] !== sortedLabels[i - 1] ? [i] : []));
  return { indices: Int32Array.from(chosen), labels: sortedLabels, boundaries };
}

/** Whether any term of a plan has pictures (a run of soft-label methods only has none). */
export function drawsPictures(plan: Pick<RunParts['plan'], 'planned'>): boolean {
  return plan.planned.some((term) => term.method.matched !== undefined);
}

/** What a term draws over: the image, the batch, or nothing. */
function drawnOver(method: DistillMethod, hasTeacher: boolean): 'image' | 'batch' | null {
  return method.matched && hasTeacher ? method.matched.over : null;
}

/** A term's method and whose side its pictures' `teacher` is. */
const namedTerm = (method: DistillMethod) => ({ method: method.id, label: method.label, against: otherSide(method) });

function undrawn(method: DistillMethod, hasTeacher: boolean): MatchedTerm {
  const named = namedTerm(method);
  if (method.kind === 'logits') return { ...named, show: 'soft-labels' };
  const reason = method.matched && !hasTeacher ? `There is no ${named.against} to compare with.` : `${method.label} has no picture of what it matches yet.`;
  return { ...named, show: 'nothing', reason };
}

/** Rows [begin, begin + size) of every output. */
const rowsOf = (outputs: readonly tf.Tensor[], begin: number, size: number) => outputs.map((output) => tf.slice(output, begin, size));

/** The forward passes: the tapped model's [taps..., logits], or a plain model's [logits]. */
function forward(model: tfl.LayersModel, tapped: tfl.LayersModel | undefined, images: tf.Tensor4D): tf.Tensor[] {
  return [(tapped ?? model).predict(images) as tf.Tensor | tf.Tensor[]].flat();
}

interface Drawing {
  /** Every picture's values flattened, in the order drawTerm appended them (empty when nothing is drawn). */
  flat: tf.Tensor1D;
  /** Per term: its pictures (shapes and text), the reason it failed, or null when it draws nothing. */
  terms: DrawnTerm[];
}

type DrawnTerm = { pictures: PictureLayout[] } | { error: string } | null;

type MapLayout = Omit<Extract<MatchedPicture, { kind: 'map' }>, 'student' | 'teacher' | 'difference'>;
type RelationLayout = Omit<Extract<MatchedPicture, { kind: 'relation' }>, 'student' | 'teacher'>;
type LayerPairsLayout = Omit<Extract<MatchedPicture, { kind: 'layer-pairs' }>, 'attention' | 'distance' | 'weighted'>;
/** A picture without its tensors: what it shows, and the shape of each of its arrays. */
type PictureLayout = (MapLayout | RelationLayout | LayerPairsLayout) & { shape: number[] };

/** A picture's tensors, in the order assemble takes them back. */
function tensorsOf(picture: MatchedPicture): tf.Tensor[] {
  if (picture.kind === 'map') return [picture.student, picture.teacher, picture.difference];
  if (picture.kind === 'relation') return [picture.student, picture.teacher];
  return [picture.attention, picture.distance, picture.weighted];
}

/** A picture without its tensors, and the shape they share. */
function layoutOf(picture: MatchedPicture): PictureLayout {
  if (picture.kind === 'map') {
    const { student, teacher: _teacher, difference: _difference, ...rest } = picture;
    return { ...rest, shape: student.shape };
  }
  if (picture.kind === 'relation') {
    const { student, teacher: _teacher, ...rest } = picture;
    return { ...rest, shape: student.shape };
  }
  const { attention, distance: _distance, weighted: _weighted, ...rest } = picture;
  return { ...rest, shape: attention.shape };
}

/** One term's pictures on its rows of the outputs; their tensors are appended to `parts`. */
function drawTerm(source: MatchedSource, index: number, outputs: { student: tf.Tensor[]; teacher: tf.Tensor[]; labels: tf.Tensor1D }, parts: tf.Tensor[]): PictureLayout[] {
  const term: PlannedTerm = source.plan.planned[index];
  const studentLogits = outputs.student[outputs.student.length - 1] as tf.Tensor2D;
  const teacherLogits = outputs.teacher[outputs.teacher.length - 1] as tf.Tensor2D;
  const tapped = source.plan.studentTaps !== null && source.plan.teacherTaps !== null;
  const inputs = termInputs(term, studentLogits, teacherLogits, outputs.labels, tapped ? outputs.student : null, tapped ? outputs.teacher : null);
  inputs.random = createRng(MATCHED_MASK_SEED);
  const pictures = term.method.matched!.pictures(inputs, source.params[index]);
  return pictures.map((picture) => {
    parts.push(...tensorsOf(picture).map((tensor) => tf.reshape(tensor, [-1])));
    return layoutOf(picture);
  });
}

/** Every term's pictures from one forward pass of both models on [image?, ...batch?]. */
function drawTerms(source: MatchedSource, test: DeviceSplit, over: ('image' | 'batch' | null)[], image: number | null, batch: MatchedBatch | null): Drawing {
  const terms: DrawnTerm[] = over.map(() => null);
  const flat = tf.tidy(() => {
    const indices = Int32Array.from([...(image === null ? [] : [image]), ...(batch?.indices ?? [])]);
    const parts: tf.Tensor[] = [];
    if (indices.length === 0) return tf.zeros([0]) as tf.Tensor1D;
    const images = test.images.gather(indices);
    const student = forward(source.student, source.plan.studentTaps?.model, images);
    const teacher = forward(source.teacher!, source.plan.teacherTaps?.model, images);
    const labels = tf.tensor1d(Int32Array.from(indices, (i) => test.hostLabels[i]), 'int32');
    // The image is row 0 when there is one, the batch the rows after it.
    const offset = image === null ? 0 : 1;
    const rowsFor = (side: 'image' | 'batch') => {
      const [begin, size] = side === 'image' ? [0, 1] : [offset, indices.length - offset];
      return { student: rowsOf(student, begin, size), teacher: rowsOf(teacher, begin, size), labels: tf.slice(labels, begin, size) };
    };
    const rows = { image: image === null ? null : rowsFor('image'), batch: batch === null ? null : rowsFor('batch') };
    over.forEach((side, index) => {
      const sideRows = side === null ? null : rows[side];
      if (sideRows === null) return;
      const before = parts.length;
      try {
        terms[index] = { pictures: drawTerm(source, index, sideRows, parts) };
      } catch (error) {
        // What the failed term made is freed with the rest of this scope.
        parts.length = before;
        terms[index] = { error: errorMessage(error) };
      }
    });
    return (parts.length > 0 ? tf.concat(parts) : tf.zeros([0])) as tf.Tensor1D;
  });
  return { flat, terms };
}

function rangeOf(...arrays: Float32Array[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const values of arrays) {
    for (const value of values) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return min <= max ? [min, max] : [0, 0];
}

function differenceRange(values: Float32Array, kind: 'signed' | 'cost'): [number, number] {
  const [min, max] = rangeOf(values);
  if (kind === 'signed') {
    const magnitude = Math.max(Math.abs(min), Math.abs(max));
    return [-magnitude, magnitude];
  }
  return [Math.min(0, min), max];
}

function layerNames(source: MatchedSource, index: number, layer: Extract<MatchedPicture, { layer: unknown }>['layer']): LayerNames {
  const { studentLayers, teacherLayers } = source.plan.terms[index];
  if (layer === 'logits') return { student: 'logits', teacher: 'logits' };
  if (layer === 'embedding') return { student: studentLayers[studentLayers.length - 1], teacher: teacherLayers[teacherLayers.length - 1] };
  return { student: studentLayers[layer], teacher: teacherLayers[layer] };
}

type Assembled = { kind: 'map'; map: MatchedMap } | { kind: 'relation'; relation: MatchedRelation } | { kind: 'layer-pairs'; layerPairs: MatchedLayerPairs };

/** One picture of term `index` as plain data: its grids taken, in order, from the transferred values. */
function assemblePicture(source: MatchedSource, index: number, layout: PictureLayout, take: (shape: number[]) => Grid): Assembled {
  if (layout.kind === 'map') {
    const [student, teacher, difference] = [take(layout.shape), take(layout.shape), take(layout.shape)];
    const { differenceKind, captions } = layout;
    const range = rangeOf(student.values, teacher.values);
    const map = { layers: layerNames(source, index, layout.layer), student, teacher, difference, differenceKind, captions, range, differenceRange: differenceRange(difference.values, differenceKind) };
    return { kind: 'map', map };
  }
  if (layout.kind === 'relation') {
    const [student, teacher] = [take(layout.shape), take(layout.shape)];
    const relation = { layers: layerNames(source, index, layout.layer), student, teacher, columns: layout.columns, caption: layout.caption, range: rangeOf(student.values, teacher.values) };
    return { kind: 'relation', relation };
  }
  const [attention, distance, weighted] = [take(layout.shape), take(layout.shape), take(layout.shape)];
  const { studentLayers, teacherLayers } = source.plan.terms[index];
  const layers = { student: [...studentLayers], teacher: [...teacherLayers] };
  const layerPairs = { layers, attention, distance, weighted, captions: layout.captions, distanceRange: differenceRange(distance.values, 'cost'), weightedRange: differenceRange(weighted.values, 'cost') };
  return { kind: 'layer-pairs', layerPairs };
}

/** The terms' pictures as plain data, reading the transferred values in the order drawTerm appended them. */
function assemble(source: MatchedSource, drawing: Drawing, values: Float32Array): MatchedTerm[] {
  let at = 0;
  const take = (shape: number[]): Grid => {
    const size = shape.reduce((a, b) => a * b, 1);
    const grid = { rows: shape[shape.length - 2], columns: shape[shape.length - 1], values: values.slice(at, at + size) };
    at += size;
    return grid;
  };
  return source.plan.planned.map((term, index): MatchedTerm => {
    const { method } = term;
    const drawn = drawing.terms[index];
    const named = namedTerm(method);
    if (!drawn) return undrawn(method, source.teacher !== null);
    if ('error' in drawn) return { ...named, show: 'nothing', reason: drawn.error };
    const pictures = drawn.pictures.map((layout) => assemblePicture(source, index, layout, take));
    if (method.matched!.over === 'image') return { ...named, show: 'maps', maps: pictures.flatMap((p) => (p.kind === 'map' ? [p.map] : [])) };
    const layerPairs = pictures.flatMap((p) => (p.kind === 'layer-pairs' ? [p.layerPairs] : []));
    if (layerPairs.length > 0) return { ...named, show: 'layer-pairs', layerPairs };
    return { ...named, show: 'relations', relations: pictures.flatMap((p) => (p.kind === 'relation' ? [p.relation] : [])) };
  });
}

/**
 * The matched view of a run (docs/ARCHITECTURE.md §4.6): its models' outputs on the chosen image
 * and a class-sorted test batch, each term's pictures, read back in one transfer. Leaves no
 * tensor behind; the models and the parts stay the caller's.
 */
export async function computeMatchedView(source: MatchedSource, test: DeviceSplit, request: MatchedViewRequest): Promise<MatchedView> {
  const started = performance.now();
  const hasTeacher = source.teacher !== null;
  const over = source.plan.planned.map((term) => drawnOver(term.method, hasTeacher));
  let image: number | null = null;
  if (over.includes('image')) {
    image = request.imageIndex;
    if (!Number.isInteger(image) || image < 0 || image >= test.count) throw new Error(`Test image ${image} does not exist: the test split has ${test.count} images`);
  }
  const batch = over.includes('batch') ? classSortedBatch(test.hostLabels, test.count, source.numClasses, request.perClass) : null;
  const drawing = drawTerms(source, test, over, image, batch);
  let values: Float32Array;
  try {
    values = (await drawing.flat.data()) as Float32Array;
  } finally {
    drawing.flat.dispose();
  }
  const terms = assemble(source, drawing, values);
  const shown: MatchedImage | null =
    image === null ? null : { index: image, label: test.hostLabels[image], shape: test.images.shape, pixels: (await test.images.pixels(Int32Array.of(image))).slice() };
  return { step: source.step, image: shown, batch, terms, seconds: (performance.now() - started) / 1000 };
}
