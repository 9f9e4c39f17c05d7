// Looking inside, for the page: the teacher's soft labels (explorer), the student's logits, the
// test images a run's student gets wrong (run inspector), the layer pickers' taps, the teacher's
// scores for a comparison's row.
import { getArchitecture } from '../../models/architectures';
import { architectureTaps, listTaps } from '../../models/taps';
import { computeTeacherView, logitsAt, misclassifiedExamples } from '../../train/inspect';
import { computeMatchedView, type Grid, type MatchedView } from '../../train/matchedView';
import { checkTermLayers } from '../../train/layerCheck';
import { evaluateTeacher } from '../../train/evaluate';
import type { ReplyValue, RequestBody } from '../protocol';
import type { Datasets } from './datasets';
import { disposeSplit, firstSamples, type DeviceSplit } from '../../data/device';
import type { Teachers } from './teachers';
import type { RunSession } from './session';

/** A reply value and the buffers that travel with it (moved, not copied). */
export class Transferring<T> {
  constructor(
    readonly value: T,
    readonly buffers: ArrayBuffer[],
  ) {}
}

const buffersOf = (...arrays: ArrayBufferView[]) => arrays.map((array) => array.buffer as ArrayBuffer);

/** The grids of one term of a matched view. */
function termGrids(term: MatchedView['terms'][number]): Grid[] {
  if (term.show === 'maps') return term.maps.flatMap((map) => [map.student, map.teacher, map.difference]);
  if (term.show === 'relations') return term.relations.flatMap((relation) => [relation.student, relation.teacher]);
  if (term.show === 'layer-pairs') return term.layerPairs.flatMap((pairs) => [pairs.attention, pairs.distance, pairs.weighted]);
  return [];
}

/** Every typed array of a matched view (each its own buffer: computeMatchedView copies them out). */
function matchedViewBuffers(view: MatchedView): ArrayBuffer[] {
  const grids = view.terms.flatMap(termGrids);
  const arrays = [...grids.map((grid) => grid.values), ...(view.image ? [view.image.pixels] : []), ...(view.batch ? [view.batch.indices, view.batch.labels] : [])];
  return buffersOf(...arrays);
}

export class Views {
  constructor(
    private readonly datasets: Datasets,
    private readonly teachers: Teachers,
    private readonly session: RunSession,
  ) {}

  async teacherView(body: RequestBody<'teacherView'>): Promise<Transferring<ReplyValue<'teacherView'>>> {
    const loaded = await this.datasets.ensure(body.dataset);
    const teacher = await this.teachers.resolve(body.teacher, loaded.info);
    const view = await computeTeacherView(teacher, loaded.test, loaded.info.numClasses, body.limit, body.perClass);
    return new Transferring(view, buffersOf(view.logits, view.labels, ...view.grid.map((image) => image.pixels)));
  }

  async studentView(body: RequestBody<'studentView'>): Promise<Transferring<ReplyValue<'studentView'>>> {
    const run = this.session.student;
    if (!run) return new Transferring({ student: null, logits: null, message: 'No student has been trained yet: start a run on the Lab page.' }, []);
    const student = { runId: run.runId, state: run.state, dataset: run.config.dataset, architecture: run.config.student, method: run.config.method };
    if (run.config.dataset !== body.dataset) {
      const name = (await this.datasets.info(run.config.dataset)).name;
      return new Transferring({ student, logits: null, message: `The last student learned ${name}: train one on this dataset to see it here.` }, []);
    }
    const loaded = await this.datasets.ensure(body.dataset);
    const logits = await logitsAt(run.model, loaded.test, body.indices);
    return new Transferring({ student, logits, message: '' }, buffersOf(logits));
  }

  async misclassified(body: RequestBody<'misclassified'>): Promise<Transferring<ReplyValue<'misclassified'>>> {
    const run = this.session.studentOf(body.runId);
    let test: DeviceSplit | null = null;
    try {
      const loaded = await this.datasets.ensure(run.config.dataset);
      // The same test images the run was evaluated on (a view of the first testLimit, freed after).
      test = firstSamples(loaded.test, run.config.testLimit);
      const pairs = await misclassifiedExamples(run.model, test ?? loaded.test, body.pairs, body.limit);
      return new Transferring(pairs, buffersOf(...pairs.flatMap((pair) => pair.examples.map((image) => image.pixels))));
    } finally {
      disposeSplit(test);
    }
  }

  /** The matched view of a run (docs/ARCHITECTURE.md §4.6), drawn on the whole test split of its dataset. */
  async matchedView(body: RequestBody<'matchedView'>): Promise<Transferring<ReplyValue<'matchedView'>>> {
    const when = body.when ?? 'now';
    const loaded = await this.datasets.ensure(this.session.studentOf(body.runId).config.dataset);
    // Taken after the wait, then used at once: a newer run may have replaced this one meanwhile.
    const { source, state, release } = this.session.matchedSource(body.runId, when);
    try {
      const view = await computeMatchedView(source, loaded.test, body);
      const reply = { ...view, runId: body.runId, state, when };
      return new Transferring(reply, matchedViewBuffers(reply));
    } finally {
      release();
    }
  }

  async checkLayers(body: RequestBody<'checkLayers'>): Promise<ReplyValue<'checkLayers'>> {
    const info = await this.datasets.info(body.dataset);
    // The network being trained may be a teacher architecture ("Train a teacher"): looked up by id alone, as runSetup builds it.
    const studentTaps = architectureTaps(getArchitecture(body.student), info.inputShape, info.numClasses);
    // A mutual method (UDML) has no teacher: its other side is the peer student, built as planRun builds it.
    const teacherTaps = body.teacher
      ? listTaps(await this.teachers.resolve(body.teacher, info))
      : body.peer
        ? architectureTaps(getArchitecture(body.peer), info.inputShape, info.numClasses)
        : [];
    return { studentTaps, teacherTaps, terms: checkTermLayers(body.terms, studentTaps, teacherTaps, info.numClasses) };
  }

  async evaluateTeacher(body: RequestBody<'evaluateTeacher'>): Promise<ReplyValue<'evaluateTeacher'>> {
    const started = performance.now();
    let val: DeviceSplit | null = null;
    let test: DeviceSplit | null = null;
    try {
      const loaded = await this.datasets.ensure(body.dataset);
      const teacher = await this.teachers.resolve(body.teacher, loaded.info);
      // The same val and test samples the runs of the comparison are scored on.
      val = firstSamples(loaded.val, body.valLimit);
      test = firstSamples(loaded.test, body.testLimit);
      const data = { info: loaded.info, train: loaded.train, val: val ?? loaded.val, test: test ?? loaded.test };
      const evaluation = await evaluateTeacher(teacher, data, { ttaShift: body.ttaShift });
      return { evaluation, parameters: teacher.countParams(), seconds: (performance.now() - started) / 1000 };
    } finally {
      disposeSplit(val);
      disposeSplit(test);
    }
  }
}
