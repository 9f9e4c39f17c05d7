// The matched view (docs/ARCHITECTURE.md §4.6) of a tiny student and teacher on the synthetic set:
// every drawn quantity is the one the loss compares on the same images (the loss rebuilt from the
// view's plain arrays equals the method's compute() on the tapped outputs, to 1e-5; AT's map equals
// attentionMaps'; AFD's attention and distances equal afdMatching's, UDML's maps and cost
// udmlFeatureDifferences', drawn against the peer), the relations' batch is sorted by class,
// nothing is left on the device, and the run's window gives the live view, a copy at its end and
// its start rebuilt from the seed (a UDML run's peer too).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMethod, resolveParams, type DistillInputs } from '../../src/kd';
import { attentionMaps } from '../../src/kd/losses/at';
import { afdMatching, type AfdParts } from '../../src/kd/losses/afd';
import { udmlFeatureDifferences } from '../../src/kd/losses/udml';
import { similarityMatrix } from '../../src/kd/losses/sp';
import { createRng } from '../../src/core/rng';
import { getArchitecture } from '../../src/models/architectures';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { buildDistillPlan, termInputs, type DistillPlan } from '../../src/train/distillPlan';
import { classSortedBatch, computeMatchedView, MATCHED_MASK_SEED, type MatchedSource, type MatchedTerm, type MatchedView } from '../../src/train/matchedView';
import { runExperiment } from '../../src/train/runExperiment';
import { keepWindow, partsOf, startOfRun, type KeptRun } from '../../src/train/runWindow';
import type { RunData } from '../../src/train/runTypes';
import type { ExperimentConfig } from '../../src/train/config';
import { buildPeerModel } from '../../src/train/trainingParts';
import { CLASSES, config, disposeData, SHAPE, syntheticData } from './fixtures';

let data: RunData;
let teacher: tfl.LayersModel;
let student: tfl.LayersModel;

beforeAll(() => {
  installFastCpuKernels();
  data = syntheticData(64, 24);
  teacher = getArchitecture('teacher-cnn').build(SHAPE, CLASSES, 5);
  student = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 6);
});

afterAll(() => {
  disposeData(data);
  teacher.dispose();
  student.dispose();
});

const IMAGE = 5;

function cfg(overrides: Partial<ExperimentConfig>): ExperimentConfig {
  return config({ student: 'tiny-cnn', teacher: 'teacher-cnn', batchSize: 16, params: {}, ...overrides });
}

function sourceOf(plan: DistillPlan, model = student, other: tfl.LayersModel | null = teacher): MatchedSource {
  return { student: model, teacher: other, numClasses: CLASSES, plan, params: plan.terms.map((term) => term.params), step: 0 };
}

/** The view of a configuration's plan, checking that it leaves no tensor behind; `other` is the teacher, or a mutual run's peer. */
async function viewOf(overrides: Partial<ExperimentConfig>, perClass?: number, other = teacher): Promise<{ view: MatchedView; plan: DistillPlan }> {
  const plan = buildDistillPlan(cfg(overrides), student, other, CLASSES);
  const before = tf.memory().numTensors;
  const view = await computeMatchedView(sourceOf(plan, student, other), data.test, { imageIndex: IMAGE, perClass });
  expect(tf.memory().numTensors).toBe(before);
  return { view, plan };
}

/** The term's loss as the loop computes it, on the tapped outputs of these test images (MGD with the view's mask stream). */
function lossOn(plan: DistillPlan, indices: ArrayLike<number>, params: Record<string, number> = {}, termIndex = 0): number {
  const term = plan.planned[termIndex];
  return tf.tidy(() => {
    const images = data.test.images.gather(Int32Array.from(indices));
    const studentOutputs = [plan.studentTaps ? plan.studentTaps.model.predict(images) : student.predict(images)].flat() as tf.Tensor[];
    // The teacher's, or a mutual plan's peer's (the plan taps the peer as a teacher).
    const teacherOutputs = [plan.teacherTaps ? plan.teacherTaps.model.predict(images) : teacher.predict(images)].flat() as tf.Tensor[];
    const labels = tf.tensor1d(Int32Array.from(indices, (i) => data.test.hostLabels[i]), 'int32');
    const tapped = plan.studentTaps !== null;
    const inputs: DistillInputs = termInputs(term, studentOutputs.at(-1) as tf.Tensor2D, teacherOutputs.at(-1) as tf.Tensor2D, labels, tapped ? studentOutputs : null, tapped ? teacherOutputs : null);
    inputs.random = createRng(MATCHED_MASK_SEED);
    return term.method.compute(inputs, resolveParams(term.method, { ...plan.terms[termIndex].params, ...params }));
  }).dataSync()[0];
}

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(expected));
const sum = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0);
const mean = (values: ArrayLike<number>) => sum(values) / values.length;

function shown<S extends MatchedTerm['show']>(term: MatchedTerm, show: S): Extract<MatchedTerm, { show: S }> {
  expect(term.show).toBe(show);
  return term as Extract<MatchedTerm, { show: S }>;
}

describe('the matched view', () => {
  it('draws AT the maps its loss takes on the chosen image, their difference, a shared colour range, and the image', async () => {
    const { view, plan } = await viewOf({ method: 'at' });
    const { maps } = shown(view.terms[0], 'maps');
    expect(maps.map((map) => map.layers)).toEqual(plan.terms[0].studentLayers.map((s, i) => ({ student: s, teacher: plan.terms[0].teacherLayers[i] })));
    // The maps attentionMaps (at.ts) computes on the tapped outputs of the same image.
    const expected = tf.tidy(() => {
      const outputs = (taps: DistillPlan['studentTaps']) => [taps!.model.predict(data.test.images.gather(Int32Array.of(IMAGE)))].flat() as tf.Tensor4D[];
      const s = outputs(plan.studentTaps);
      const t = outputs(plan.teacherTaps);
      const inputs = termInputs(plan.planned[0], s.at(-1) as unknown as tf.Tensor2D, t.at(-1) as unknown as tf.Tensor2D, tf.tensor1d([0], 'int32'), s, t);
      return attentionMaps(inputs, 2).map((m) => ({ student: m.student.dataSync(), teacher: m.teacher.dataSync(), size: [m.height, m.width] }));
    });
    maps.forEach((map, i) => {
      expect([map.student.rows, map.student.columns]).toEqual(expected[i].size);
      map.student.values.forEach((v, j) => expect(Math.abs(v - expected[i].student[j])).toBeLessThanOrEqual(1e-5));
      map.teacher.values.forEach((v, j) => expect(Math.abs(v - expected[i].teacher[j])).toBeLessThanOrEqual(1e-5));
      expect(map.differenceKind).toBe('signed');
      const [low, high] = map.range;
      expect(Math.min(...map.student.values, ...map.teacher.values)).toBe(low);
      expect(Math.max(...map.student.values, ...map.teacher.values)).toBe(high);
      expect(map.differenceRange[0]).toBe(-map.differenceRange[1]);
    });
    // The loss is the sum over pairs of the mean squared difference drawn.
    close(lossOn(plan, [IMAGE]), sum(maps.map((map) => mean(map.difference.values.map((v) => v * v)))));
    expect(view.image).toMatchObject({ index: IMAGE, label: data.test.hostLabels[IMAGE], shape: SHAPE });
    expect(view.image!.pixels).toHaveLength(64);
    expect(view.batch).toBeNull();
    plan.dispose();
  });

  it('draws FitNet, MGD and VID the connector-side feature and the teacher’s with the run’s connectors; the loss follows from the drawn residual', async () => {
    const reductions: Record<string, (residual: Float32Array, channels: number, params: Record<string, number>) => number> = {
      fitnet: (r) => mean(r),
      mgd: (r, channels, p) => p.alphaMgd * channels * sum(r),
      vid: (r) => mean(r),
    };
    for (const method of ['fitnet', 'mgd', 'vid']) {
      const { view, plan } = await viewOf({ method });
      const { maps } = shown(view.terms[0], 'maps');
      expect(maps.every((map) => map.differenceKind === 'cost')).toBe(true);
      const channels = (plan.teacherTaps!.model.outputs[plan.planned[0].teacherFeatures[0]].shape[3] ?? 0) as number;
      const rebuilt = sum(maps.map((map) => reductions[method](map.difference.values, channels, plan.terms[0].params)));
      close(lossOn(plan, [IMAGE]), rebuilt);
      plan.dispose();
    }
  });

  it('draws the relation methods their batch matrices on a class-sorted test batch', async () => {
    const { view, plan } = await viewOf({ method: 'sp' }, 3);
    const batch = view.batch!;
    expect(batch.indices).toHaveLength(3 * CLASSES);
    expect(Array.from(batch.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(batch.boundaries).toEqual([3, 6, 9]);
    batch.indices.forEach((index, i) => expect(data.test.hostLabels[index]).toBe(batch.labels[i]));
    expect(view.image).toBeNull();
    const { relations } = shown(view.terms[0], 'relations');
    // SP's G is similarityMatrix (sp.ts) of the batch's features, in the batch's order.
    const expected = tf.tidy(() => {
      const outputs = [plan.studentTaps!.model.predict(data.test.images.gather(batch.indices))].flat() as tf.Tensor[];
      return similarityMatrix(outputs[plan.planned[0].studentFeatures[0]]).dataSync();
    });
    expect([relations[0].student.rows, relations[0].student.columns]).toEqual([12, 12]);
    relations[0].student.values.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-5));
    close(lossOn(plan, batch.indices), sum(relations.map((r) => mean(r.student.values.map((s, i) => (r.teacher.values[i] - s) ** 2)))));
    plan.dispose();

    const pkt = await viewOf({ method: 'pkt' });
    const [p] = shown(pkt.view.terms[0], 'relations').relations;
    expect(p.layers).toEqual({ student: 'embedding', teacher: 'embedding' });
    close(lossOn(pkt.plan, pkt.view.batch!.indices), mean(p.teacher.values.map((t, i) => t * Math.log((t + 1e-7) / (p.student.values[i] + 1e-7)))));
    pkt.plan.dispose();

    const rkd = await viewOf({ method: 'rkd' });
    const [d] = shown(rkd.view.terms[0], 'relations').relations;
    const smoothL1 = mean(d.student.values.map((s, i) => {
      const gap = Math.abs(s - d.teacher.values[i]);
      return gap < 1 ? 0.5 * gap * gap : gap - 0.5;
    }));
    close(lossOn(rkd.plan, rkd.view.batch!.indices, { wDistance: 1, wAngle: 0 }), smoothL1);
    rkd.plan.dispose();

    const irg = await viewOf({ method: 'irg', studentLayers: ['block1', 'block2', 'embedding'], teacherLayers: ['block1', 'block2', 'embedding'] });
    const edges = shown(irg.view.terms[0], 'relations').relations;
    expect(edges.map((r) => r.layers.student)).toEqual(['embedding', 'block1', 'block2']);
    const mse = (r: (typeof edges)[number]) => mean(r.student.values.map((s, i) => (s - r.teacher.values[i]) ** 2));
    close(lossOn(irg.plan, irg.view.batch!.indices, { wVertex: 0, wEdge: 1, wTransform: 0 }), mean(edges.map(mse)));
    irg.plan.dispose();

    const dist = await viewOf({ method: 'dist' });
    const [y] = shown(dist.view.terms[0], 'relations').relations;
    expect([y.columns, y.student.columns, y.layers.student]).toEqual(['classes', CLASSES, 'logits']);
    for (let row = 0; row < y.student.rows; row++) close(sum(y.student.values.slice(row * CLASSES, (row + 1) * CLASSES)), 1);
    dist.plan.dispose();
  });

  it('draws AFD its attention over the layer pairs on the class-sorted batch, equal to afdMatching’s batch means with the run’s connectors; the term is the sum of attention × distance', async () => {
    const { view, plan } = await viewOf({ method: 'afd' });
    expect(view.image).toBeNull();
    const batch = view.batch!;
    const term = shown(view.terms[0], 'layer-pairs');
    expect(term.against).toBe('teacher');
    const [pairs] = term.layerPairs;
    expect(pairs.layers).toEqual({ student: plan.terms[0].studentLayers, teacher: plan.terms[0].teacherLayers });
    const [t, s] = [pairs.layers.teacher.length, pairs.layers.student.length];
    expect([pairs.attention.rows, pairs.attention.columns, pairs.weighted.rows, pairs.weighted.columns]).toEqual([t, s, t, s]);
    // afdMatching (afd.ts) on the tapped outputs of the same batch, with the plan's connectors.
    const expected = tf.tidy(() => {
      const images = data.test.images.gather(batch.indices);
      const outputs = (taps: DistillPlan['studentTaps']) => [taps!.model.predict(images)].flat() as tf.Tensor4D[];
      const [so, to] = [outputs(plan.studentTaps), outputs(plan.teacherTaps)];
      const term0 = plan.planned[0];
      const matched = afdMatching(term0.studentFeatures.map((i) => so[i]), term0.teacherFeatures.map((i) => to[i]), term0.learnable as AfdParts);
      return { attention: matched.attention.arraySync(), distances: matched.distances.arraySync() };
    });
    for (let row = 0; row < t; row++) {
      for (let column = 0; column < s; column++) {
        const at = row * s + column;
        const over = (f: (b: number) => number) => mean(expected.attention.map((_, b) => f(b)));
        expect(Math.abs(pairs.attention.values[at] - over((b) => expected.attention[b][row][column]))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(pairs.distance.values[at] - over((b) => expected.distances[b][row][column]))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(pairs.weighted.values[at] - over((b) => expected.attention[b][row][column] * expected.distances[b][row][column]))).toBeLessThanOrEqual(1e-5);
      }
      close(sum(pairs.attention.values.slice(row * s, (row + 1) * s)), 1);
    }
    close(lossOn(plan, batch.indices), sum(pairs.weighted.values));
    expect(pairs.distanceRange[0]).toBe(0);
    expect(pairs.weightedRange[1]).toBe(Math.max(...pairs.weighted.values));
    plan.dispose();
  });

  it('draws UDML the student’s and the peer’s maps and their squared difference, equal to udmlFeatureDifferences’; without the peer it says so', async () => {
    const peer = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, 7);
    const { view, plan } = await viewOf({ method: 'udml' }, undefined, peer);
    const term = shown(view.terms[0], 'maps');
    expect(term.against).toBe('peer');
    const [map] = term.maps;
    expect(map.layers).toEqual({ student: 'block2', teacher: 'block2' });
    expect(map.captions.teacher).toMatch(/^Peer/);
    expect(map.differenceKind).toBe('cost');
    const expected = tf.tidy(() => {
      const image = data.test.images.gather(Int32Array.of(IMAGE));
      const own = ([plan.studentTaps!.model.predict(image)].flat() as tf.Tensor4D[])[plan.planned[0].studentFeatures[0]];
      const other = ([plan.teacherTaps!.model.predict(image)].flat() as tf.Tensor4D[])[plan.planned[0].teacherFeatures[0]];
      const [difference] = udmlFeatureDifferences([[own, other]]);
      return { student: tf.mean(own, 3).dataSync(), peer: tf.mean(other, 3).dataSync(), cost: tf.mean(tf.square(difference), 3).dataSync() };
    });
    map.student.values.forEach((v, i) => expect(Math.abs(v - expected.student[i])).toBeLessThanOrEqual(1e-5));
    map.teacher.values.forEach((v, i) => expect(Math.abs(v - expected.peer[i])).toBeLessThanOrEqual(1e-5));
    map.difference.values.forEach((v, i) => expect(Math.abs(v - expected.cost[i])).toBeLessThanOrEqual(1e-5));
    // The distance term (UDML with wDistance 1, less its DML term) is the drawn cost's mean.
    close(lossOn(plan, [IMAGE], { wDistance: 1 }) - lossOn(plan, [IMAGE], { wDistance: 0 }), mean(map.difference.values));

    const alone = await computeMatchedView(sourceOf(plan, student, null), data.test, { imageIndex: IMAGE });
    expect(alone.terms).toEqual([{ method: 'udml', label: getMethod('udml').label, against: 'peer', show: 'nothing', reason: 'There is no peer to compare with.' }]);
    plan.dispose();
    peer.dispose();
  });

  it('points the soft-label methods to the explorer, draws a recipe’s maps and relations from one pass, and refuses an image that does not exist', async () => {
    const { view, plan } = await viewOf({ method: 'kd' });
    expect(view.terms).toEqual([{ method: 'kd', label: getMethod('kd').label, against: 'teacher', show: 'soft-labels' }]);
    expect([view.image, view.batch]).toEqual([null, null]);
    plan.dispose();

    const recipe = await viewOf({ method: 'at', terms: [{ method: 'at', weight: 1000, params: {} }, { method: 'sp', weight: 3000, params: {} }, { method: 'kd', weight: 1, params: {} }] });
    expect(recipe.view.terms.map((term) => term.show)).toEqual(['maps', 'relations', 'soft-labels']);
    expect(recipe.view.image?.index).toBe(IMAGE);
    expect(recipe.view.batch?.indices.length).toBe(4 * CLASSES);

    const before = tf.memory().numTensors;
    await expect(computeMatchedView(sourceOf(recipe.plan), data.test, { imageIndex: data.test.count })).rejects.toThrow('Test image 24 does not exist: the test split has 24 images');
    expect(tf.memory().numTensors).toBe(before);
    recipe.plan.dispose();
  });

  it('sorts the batch by class, then index, at most 64 images', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 20);
    const batch = classSortedBatch(labels, 300, 20, 5);
    expect(batch.indices).toHaveLength(64);
    for (let i = 1; i < 64; i++) {
      const [a, b] = [batch.indices[i - 1], batch.indices[i]];
      expect(labels[a] < labels[b] || (labels[a] === labels[b] && a < b)).toBe(true);
    }
    expect(batch.boundaries.every((at) => batch.labels[at] !== batch.labels[at - 1])).toBe(true);
  });

  it('reads a run through its window: the start as the seed rebuilds it, a copy of the trained connectors at its end', async () => {
    const runConfig = cfg({ method: 'fitnet', epochs: 1 });
    const runStudent = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, runConfig.seed);
    let atOpen: Promise<MatchedView> | null = null;
    let kept: KeptRun | null = null;
    let closedStep = -1;
    await runExperiment({
      config: runConfig,
      data,
      student: runStudent,
      teacher,
      hooks: {
        // Drawn before the first step: its tensors are computed at once, only read back later.
        onWindowOpen: (window) => (atOpen = computeMatchedView({ student: runStudent, teacher, numClasses: CLASSES, ...partsOf(window) }, data.test, { imageIndex: IMAGE })),
        onWindowClose: (window) => {
          kept = keepWindow(window);
          closedStep = window.step;
          const trained = window.plan.planned[0].learnable!.variables.map((v) => Array.from(v.dataSync()));
          expect(kept.plan.planned[0].learnable!.variables.map((v) => Array.from(v.dataSync()))).toEqual(trained);
        },
      },
    });
    expect(closedStep).toBe(4);
    const first = (view: MatchedView) => shown(view.terms[0], 'maps').maps[0];
    const start = await atOpen!;
    expect(start.step).toBe(0);

    // After the run the plan's own connectors are freed; the kept copy still draws, at the last step.
    const keptRun = kept as unknown as KeptRun;
    const after = await computeMatchedView({ student: runStudent, teacher, numClasses: CLASSES, ...keptRun }, data.test, { imageIndex: IMAGE });
    expect(after.step).toBe(4);
    expect(first(after).student.values).not.toEqual(first(start).student.values);

    // The start rebuilt from the seed draws exactly what the run drew before its first step.
    const before = tf.memory().numTensors;
    const rebuilt = startOfRun(runConfig, data.info, teacher);
    const again = await computeMatchedView({ teacher, numClasses: CLASSES, ...rebuilt.parts, student: rebuilt.student }, data.test, { imageIndex: IMAGE });
    rebuilt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(first(again).student.values).toEqual(first(start).student.values);
    expect(first(again).teacher.values).toEqual(first(start).teacher.values);

    keptRun.dispose();
    runStudent.dispose();
  });

  it('rebuilds a UDML run’s start with its peer (planRun’s, from the seed): the same student and peer maps as the run drew before its first step', async () => {
    const runConfig = cfg({ method: 'udml', epochs: 1 });
    const runStudent = getArchitecture('tiny-cnn').build(SHAPE, CLASSES, runConfig.seed);
    // The peer the run trains, as the worker's session builds it so that it outlives the run.
    const runPeer = buildPeerModel(runConfig, data.info);
    let atOpen: Promise<MatchedView> | null = null;
    await runExperiment({
      config: runConfig,
      data,
      student: runStudent,
      teacher: null,
      peer: runPeer,
      hooks: { onWindowOpen: (window) => (atOpen = computeMatchedView({ student: runStudent, teacher: runPeer, numClasses: CLASSES, ...partsOf(window) }, data.test, { imageIndex: IMAGE })) },
    });
    const first = (view: MatchedView) => shown(view.terms[0], 'maps').maps[0];
    const start = await atOpen!;

    const before = tf.memory().numTensors;
    const rebuilt = startOfRun(runConfig, data.info, null);
    expect(rebuilt.peer).not.toBeNull();
    const again = await computeMatchedView({ teacher: rebuilt.peer, numClasses: CLASSES, ...rebuilt.parts, student: rebuilt.student }, data.test, { imageIndex: IMAGE });
    rebuilt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(first(again).student.values).toEqual(first(start).student.values);
    expect(first(again).teacher.values).toEqual(first(start).teacher.values);
    // The peer trained too: its map at the end differs from its start.
    const endPlan = buildDistillPlan(runConfig, runStudent, runPeer, CLASSES);
    const end = await computeMatchedView(sourceOf(endPlan, runStudent, runPeer), data.test, { imageIndex: IMAGE });
    endPlan.dispose();
    expect(first(end).teacher.values).not.toEqual(first(start).teacher.values);

    runPeer.dispose();
    runStudent.dispose();
  });
});
