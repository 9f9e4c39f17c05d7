// Which teacher layer meets which student layer, for a term of a method that reads layers: the
// term's own choice, else the method's defaults (src/kd/layerDefaults.ts), checked against the
// two networks' taps. No tfjs here, so one rule serves the trainer (distillPlan.ts), the layer
// pickers (through layerCheck.ts and the worker) and the PyTorch export (src/export/networks.ts),
// which runs no loss and so also checks the pair sizes the method table declares (`pairSize`).
import { methodSpec, otherSide } from '../kd/methods';
import { blocksOf, defaultLayerPairs, embeddingOf, type LayerPairs, type LayerTap } from '../kd/layerDefaults';
import { describeShape } from '../core/format';
import { quoteName } from '../models/files';
import type { DistillTerm } from './config';

export { blocksOf, defaultLayerPairs, embeddingOf, type LayerPairs, type LayerTap } from '../kd/layerDefaults';

/** A term with the layers it reads named on both sides. */
export interface PairedTerm extends DistillTerm {
  studentLayers: string[];
  teacherLayers: string[];
}

type Side = 'student' | 'teacher';
/** A network as a message names it: a mutual method's other side is its peer (otherSide). */
type Named = Side | 'peer';

/** The layers a term reads before any check: its own choice, else the defaults, side by side. */
export function chosenLayers(term: Pick<DistillTerm, 'studentLayers' | 'teacherLayers'>, defaults: LayerPairs): LayerPairs {
  return { studentLayers: [...(term.studentLayers ?? defaults.studentLayers)], teacherLayers: [...(term.teacherLayers ?? defaults.teacherLayers)] };
}

/** A layer's name in a message: as it is when plain, else quoted with control characters escaped (a model.json's names are anyone's text). */
const shownName = (name: string) => (/^[\w./:-]+$/.test(name) ? name : quoteName(name));

export function describeTap(side: Named, tap: LayerTap): string {
  return `${side} ${shownName(tap.name)} ${describeShape(tap.shape)}`;
}

/** "student a [..] with teacher b [..]; ..." for the pairs of two tap lists ("with peer b" for a mutual method's). */
export function describePairs(students: readonly LayerTap[], teachers: readonly LayerTap[], other: 'teacher' | 'peer' = 'teacher'): string {
  return students.map((student, i) => `${describeTap('student', student)} with ${teachers[i] ? describeTap(other, teachers[i]) : `no ${other} layer`}`).join('; ');
}

const layerList = (taps: readonly LayerTap[]) => taps.map((t) => `${shownName(t.name)} ${describeShape(t.shape)}`).join(', ');

function pickTaps<T extends LayerTap>(side: Named, names: readonly string[], taps: readonly T[], label: string): T[] {
  return names.map((name) => {
    const tap = taps.find((candidate) => candidate.name === name);
    if (!tap) throw new Error(`${label}: the ${side} has no layer ${quoteName(name)} (its layers: ${layerList(taps)})`);
    return tap;
  });
}

/** The taps of a pair list, by name (names resolveLayerPairs has checked). */
export function pairedTaps<T extends LayerTap>(pairs: LayerPairs, studentTaps: readonly T[], teacherTaps: readonly T[]): { students: T[]; teachers: T[] } {
  const pick = (names: readonly string[], taps: readonly T[]) => names.map((name) => taps.find((tap) => tap.name === name)!);
  return { students: pick(pairs.studentLayers, studentTaps), teachers: pick(pairs.teacherLayers, teacherTaps) };
}

/** The refusal of a term whose lists came back empty: blames the network that has no layer the method can use by default. */
function noLayersError(term: DistillTerm, label: string, empty: Record<Side, boolean>, studentTaps: readonly LayerTap[], teacherTaps: readonly LayerTap[]): Error {
  const use = methodSpec(term.method).layers;
  const hasDefault = (taps: readonly LayerTap[]) => (use.reads === 'embedding' ? embeddingOf(taps) !== undefined : blocksOf(taps).length > 0);
  const lacking = (side: Side) => {
    const [given, taps] = side === 'student' ? [term.studentLayers, studentTaps] : [term.teacherLayers, teacherTaps];
    return empty[side] && (given !== undefined || !hasDefault(taps));
  };
  if (lacking('student') && lacking('teacher')) {
    return new Error(
      `${label} needs at least one layer of each network, and neither network has one it can use by default ` +
        `(student layers: ${layerList(studentTaps)}; ${otherSide(methodSpec(term.method))} layers: ${layerList(teacherTaps)}); choose them explicitly`,
    );
  }
  const missing = lacking('teacher') ? 'teacher' : 'student';
  const named = missing === 'teacher' ? otherSide(methodSpec(term.method)) : 'student';
  return new Error(
    `${label} needs at least one layer of each network, and the ${named} has none it can use by default ` +
      `(its layers: ${layerList(missing === 'student' ? studentTaps : teacherTaps)}); choose them explicitly`,
  );
}

/**
 * The term's layers (its own, else the method's defaults), checked against the networks' taps:
 * names exist, the counts pair up, the method can read them (feature maps where it reads maps,
 * as many layers as an embedding method takes). Throws an Error naming the shapes.
 */
export function resolveLayerPairs(term: DistillTerm, studentTaps: readonly LayerTap[], teacherTaps: readonly LayerTap[]): LayerPairs {
  const method = methodSpec(term.method);
  const { label, layers: use } = method;
  const other = otherSide(method);
  if (use.reads === 'logits') {
    if ((term.studentLayers?.length ?? 0) > 0 || (term.teacherLayers?.length ?? 0) > 0) {
      throw new Error(`${label} reads only the logits: it takes no student or ${other} layers`);
    }
    return { studentLayers: [], teacherLayers: [] };
  }
  const { studentLayers, teacherLayers } = chosenLayers(term, defaultLayerPairs(term.method, studentTaps, teacherTaps));
  const students = pickTaps('student', studentLayers, studentTaps, label);
  const teachers = pickTaps(other, teacherLayers, teacherTaps, label);
  if (students.length === 0 || teachers.length === 0) {
    throw noLayersError(term, label, { student: students.length === 0, teacher: teachers.length === 0 }, studentTaps, teacherTaps);
  }
  if (students.length !== teachers.length) {
    throw new Error(
      `${label} pairs layers by position: got ${students.length} student layers (${studentLayers.map(shownName).join(', ')}) ` +
        `and ${teachers.length} ${other} layers (${teacherLayers.map(shownName).join(', ')})`,
    );
  }
  const featureCount = use.reads === 'features' ? students.length : students.length - 1;
  if (use.reads === 'features' && featureCount < (use.minPairs ?? 1)) {
    throw new Error(
      `${label} needs at least ${use.minPairs} layers of each network (it weighs the pairs against each other); got ${describePairs(students, teachers, other)}`,
    );
  }
  if (use.reads === 'embedding' && !use.extraFeaturePairs.includes(featureCount)) {
    const allowed = use.extraFeaturePairs.map((n) => n + 1).join(' or ');
    throw new Error(`${label} takes ${allowed} layer(s) per network (the last one is the embedding); got ${describePairs(students, teachers, other)}`);
  }
  for (let i = 0; i < featureCount; i++) {
    if (students[i].shape.length !== 3 || teachers[i].shape.length !== 3) {
      throw new Error(`${label} reads feature maps (height × width × channels) and cannot use ${describePairs([students[i]], [teachers[i]], other)}`);
    }
  }
  return { studentLayers, teacherLayers };
}

/**
 * Why the method's loss cannot take this feature pair's heights and widths, from its `pairSize`
 * in the method table (src/kd/methods.ts), or null. The lab finds the same by running the loss
 * (checkLayerPairs in distillPlan.ts); the PyTorch export, which runs none, asks here.
 */
export function pairSizeProblem(methodId: string, student: LayerTap, teacher: LayerTap): string | null {
  const method = methodSpec(methodId);
  const { label, layers: use } = method;
  if (use.reads !== 'features' || use.pairSize === undefined) return null;
  const other = otherSide(method);
  const [s, t] = [student.shape, teacher.shape];
  if (use.pairSize === 'equal') {
    return s[0] === t[0] && s[1] === t[1] ? null : `${label} needs equal heights and widths: ${describeTap('student', student)} and ${describeTap(other, teacher)}`;
  }
  if (use.pairSize === 'identical') {
    const same = s.length === t.length && s.every((d, i) => d === t[i]);
    return same ? null : `${label} compares two maps of one shape: ${describeTap('student', student)} and ${describeTap(other, teacher)}`;
  }
  // 'pooled': the larger map is pooled to the smaller's height, square (h, h): both must end up one size.
  const h = Math.min(s[0], t[0]);
  const [sh, sw] = s[0] > h ? [h, h] : s;
  const [th, tw] = t[0] > h ? [h, h] : t;
  return sh === th && sw === tw ? null : `${label} cannot match the sizes of ${describeTap('student', student)} and ${describeTap(other, teacher)}`;
}

/** Throws the first pairSizeProblem of a term's resolved pairs. */
export function checkPairSizes(methodId: string, pairs: LayerPairs, studentTaps: readonly LayerTap[], teacherTaps: readonly LayerTap[]): void {
  const { students, teachers } = pairedTaps(pairs, studentTaps, teacherTaps);
  const featureCount = methodSpec(methodId).layers.reads === 'embedding' ? students.length - 1 : students.length;
  for (let i = 0; i < featureCount; i++) {
    const problem = pairSizeProblem(methodId, students[i], teachers[i]);
    if (problem) throw new Error(problem);
  }
}
