// Which layers a method reads when the user names none: the references' choice, from the method
// table's layer use. No tfjs here: the trainer (src/train/distillPlan.ts), the layer pickers and the
// PyTorch export (src/export/networks.ts) all pick the same pairs from the networks' taps.
import { methodSpec } from './methods';

/** A layer output a term can read, as the trainer's taps and the export's layer lists describe it. */
export interface LayerTap {
  name: string;
  /** One sample's output shape, e.g. [8, 8, 32] or [256]. */
  shape: readonly number[];
  kind: string;
}

/** The layers one term reads: student and teacher tap names, paired by position. */
export interface LayerPairs {
  studentLayers: string[];
  teacherLayers: string[];
}

export const blocksOf = <T extends LayerTap>(taps: readonly T[]) => taps.filter((tap) => tap.kind === 'block');
export const embeddingOf = <T extends LayerTap>(taps: readonly T[]) => taps.find((tap) => tap.kind === 'embedding');
const sameSize = (a: LayerTap, b: LayerTap) => a.shape[0] === b.shape[0] && a.shape[1] === b.shape[1];
const sameShape = (a: LayerTap, b: LayerTap) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

/**
 * The references' choice of layers for a method (its `layers` metadata): AT and SP the last two
 * conv blocks of each network, AFD the last three (every block of the lab's networks), NST /
 * FitNet / VID / MGD / UDML the last block (MGD, whose reference asserts equal sizes, pairs the
 * teacher's block with the student's last block of the same height and width when there is one;
 * UDML, which compares the maps entry by entry, the other side's last block that the student has a
 * block of the same shape for), RKD / PKT / IRG the embedding, logit methods nothing. UDML's other
 * side is its peer student.
 * Lists may come back shorter than the method needs (an MLP has no blocks); resolveLayerPairs
 * refuses those with a message.
 */
export function defaultLayerPairs<T extends LayerTap>(methodId: string, studentTaps: readonly T[], teacherTaps: readonly T[]): LayerPairs {
  const use = methodSpec(methodId).layers;
  if (use.reads === 'logits') return { studentLayers: [], teacherLayers: [] };
  if (use.reads === 'embedding') {
    const student = embeddingOf(studentTaps);
    const teacher = embeddingOf(teacherTaps);
    return { studentLayers: student ? [student.name] : [], teacherLayers: teacher ? [teacher.name] : [] };
  }
  const studentBlocks = blocksOf(studentTaps);
  const teacherBlocks = blocksOf(teacherTaps);
  const count = Math.min(use.defaultBlocks, studentBlocks.length, teacherBlocks.length);
  if (use.pairSize === 'identical') {
    const matched = [...teacherBlocks].reverse().flatMap((teacherTap) => {
      const studentTap = [...studentBlocks].reverse().find((tap) => sameShape(tap, teacherTap));
      return studentTap ? [{ student: studentTap, teacher: teacherTap }] : [];
    });
    const chosen = matched.slice(0, count).reverse();
    if (chosen.length > 0) return { studentLayers: chosen.map((pair) => pair.student.name), teacherLayers: chosen.map((pair) => pair.teacher.name) };
  }
  const teacher = teacherBlocks.slice(teacherBlocks.length - count);
  let student = studentBlocks.slice(studentBlocks.length - count);
  if (use.pairSize === 'equal') {
    student = teacher.map((teacherTap, i) => [...studentBlocks].reverse().find((tap) => sameSize(tap, teacherTap)) ?? student[i]);
  }
  return { studentLayers: student.map((tap) => tap.name), teacherLayers: teacher.map((tap) => tap.name) };
}
