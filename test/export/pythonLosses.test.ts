// Every method's PyTorch loss (src/export/pythonLosses.ts, what train.py runs) against the lab's
// tfjs loss on the same inputs (the golden fixture's, NHWC here and NCHW there): the value and
// the gradient with respect to the student's input, for the reference parameters and others.
// Learnable connectors (FitNet, MGD, VID, AFD) are built on both sides from seed 0 by the same draws.
// A method that compares two maps of one shape (UDML) gets the teacher's maps cut to the student's channels.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, createLearnableParts, METHODS, type DistillInputs } from '../../src/kd';
import { methodsWithoutPython, pythonLossSource, PYTHON_LOSSES } from '../../src/export/pythonLosses';
import { PYTHON_PRELUDE } from '../../src/export/trainScriptRuntime';
import { GOLDEN_PATH } from '../golden/path';
import { createRng } from '../../src/core/rng';
import { reportMissingTorch, runPython, TORCH_PYTHON } from './python';

interface GoldenInputs {
  student_logits: number[][];
  teacher_logits: number[][];
  labels: number[];
  feature_pairs: { student: number[][][][]; teacher: number[][][][] }[];
}

const golden = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as { cases: { inputs: GoldenInputs }[] };
const batch = golden.cases[0].inputs.labels.length;
const random = createRng(7);
/** The fixture has no embeddings: seeded normal-ish rows of different widths (RKD/PKT/IRG relate them). */
const rows = (width: number, scale: number) =>
  Array.from({ length: batch }, () => Array.from({ length: width }, () => scale * (random() + random() + random() - 1.5)));
const inputs = { ...golden.cases[0].inputs, embed_student: rows(32, 2), embed_teacher: rows(64, 3) };

/** Which student input each kind of method is differentiated by. */
type GradientOf = 'logits' | 'feature0' | 'embedding';

interface Case {
  method: string;
  params: Record<string, number>;
  gradientOf: GradientOf;
}

/** Whether the method compares maps entry by entry (the method table's pairSize 'identical'). */
const identical = (method: string): boolean => {
  const layers = METHODS.find((m) => m.id === method)!.layers;
  return layers.reads === 'features' && layers.pairSize === 'identical';
};

/** The teacher's side of feature pair i, NHWC: the fixture's, or its first channels for a method that needs one shape. */
function teacherMap(method: string, i: number): tf.Tensor4D {
  const { student, teacher } = inputs.feature_pairs[i];
  const map = tf.tensor4d(teacher);
  if (!identical(method)) return map;
  const cut = tf.slice(map, [0, 0, 0, 0], [-1, -1, -1, student[0][0][0].length]);
  map.dispose();
  return cut;
}

const gradientOf = (method: string): GradientOf => {
  const reads = METHODS.find((m) => m.id === method)!.layers.reads;
  return reads === 'logits' ? 'logits' : reads === 'features' ? 'feature0' : 'embedding';
};

const CASES: Case[] = [
  ...METHODS.map((method) => ({ method: method.id, params: Object.fromEntries(method.params.map((p) => [p.name, p.default])), gradientOf: gradientOf(method.id) })),
  { method: 'kd', params: { temperature: 2 }, gradientOf: 'logits' },
  { method: 'dkd', params: { alpha: 0.5, beta: 4, temperature: 2, warmupFraction: 0, warmupEpochs: 0 }, gradientOf: 'logits' },
  { method: 'dist', params: { beta: 2, gamma: 0.5, temperature: 3 }, gradientOf: 'logits' },
  { method: 'at', params: { p: 3 }, gradientOf: 'feature0' },
  { method: 'mgd', params: { alphaMgd: 1e-3, lambdaMgd: 0.5 }, gradientOf: 'feature0' },
  { method: 'rkd', params: { wDistance: 10, wAngle: 0 }, gradientOf: 'embedding' },
  { method: 'irg', params: { wVertex: 1, wEdge: 2, wTransform: 3 }, gradientOf: 'embedding' },
  { method: 'dml', params: { temperature: 3 }, gradientOf: 'logits' },
  { method: 'udml', params: { temperature: 2, wDistance: 3 }, gradientOf: 'logits' },
  { method: 'udml', params: { temperature: 2, wDistance: 3 }, gradientOf: 'feature0' },
];

/** The method's value and gradient in tfjs: logits always, both feature pairs, embeddings for the relation methods. */
function labSide(testCase: Case): { value: number; gradient: number[] } {
  const reads = METHODS.find((m) => m.id === testCase.method)!.layers.reads;
  const studentLogits = tf.tensor2d(inputs.student_logits);
  const feature0 = tf.tensor4d(inputs.feature_pairs[0].student);
  const embedding = tf.tensor2d(inputs.embed_student);
  const build = (logits: tf.Tensor, f0: tf.Tensor, e: tf.Tensor): DistillInputs => {
    const x: DistillInputs = {
      studentLogits: logits as tf.Tensor2D,
      teacherLogits: tf.tensor2d(inputs.teacher_logits),
      labels: tf.tensor1d(inputs.labels, 'int32'),
    };
    if (reads !== 'logits') {
      x.studentFeatures = [f0 as tf.Tensor4D, tf.tensor4d(inputs.feature_pairs[1].student)];
      x.teacherFeatures = inputs.feature_pairs.map((_, i) => teacherMap(testCase.method, i));
    }
    if (reads === 'embedding') {
      x.studentEmbedding = e as tf.Tensor2D;
      x.teacherEmbedding = tf.tensor2d(inputs.embed_teacher);
    }
    return x;
  };
  const target = testCase.gradientOf === 'logits' ? studentLogits : testCase.gradientOf === 'feature0' ? feature0 : embedding;
  if (testCase.method === 'none') {
    // A constant: tfjs refuses its gradient; it is zero.
    const value = computeDistillLoss('none', build(studentLogits, feature0, embedding));
    const result = { value: value.dataSync()[0], gradient: new Array<number>(target.size).fill(0) };
    tf.dispose([value, studentLogits, feature0, embedding]);
    return result;
  }
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
    computeDistillLoss(
      testCase.method,
      build(testCase.gradientOf === 'logits' ? x : studentLogits, testCase.gradientOf === 'feature0' ? x : feature0, testCase.gradientOf === 'embedding' ? x : embedding),
      testCase.params,
    ),
  )(target);
  const result = { value: value.dataSync()[0], gradient: Array.from(grad.dataSync()) };
  tf.dispose([value, grad, studentLogits, feature0, embedding]);
  return result;
}

const HARNESS = String.raw`
${PYTHON_PRELUDE}
${pythonLossSource(Object.keys(PYTHON_LOSSES))}

LOSSES = {name: fn for name, fn in list(globals().items()) if name.startswith("loss_")}
PARTS = {name[len("parts_"):]: fn for name, fn in list(globals().items()) if name.startswith("parts_")}


class TermInputs:
    def __init__(self, **fields):
        self.s_feats, self.t_feats, self.s_emb, self.t_emb, self.parts = [], [], None, None, None
        self.__dict__.update(fields)


request = json.load(sys.stdin)
g = request["inputs"]
nchw = lambda a: torch.tensor(a, dtype=torch.float32).permute(0, 3, 1, 2).contiguous()
answers = []
for case in request["cases"]:
    method, reads = case["method"], case["reads"]
    s_logits = torch.tensor(g["student_logits"], dtype=torch.float32, requires_grad=True)
    f0 = nchw(g["feature_pairs"][0]["student"]).requires_grad_(True)
    emb = torch.tensor(g["embed_student"], dtype=torch.float32, requires_grad=True)
    x = TermInputs(s_logits=s_logits, t_logits=torch.tensor(g["teacher_logits"], dtype=torch.float32),
                   labels=torch.tensor(g["labels"], dtype=torch.long))
    if reads != "logits":
        x.s_feats = [f0, nchw(g["feature_pairs"][1]["student"])]
        x.t_feats = [nchw(pair["teacher"]) for pair in g["feature_pairs"]]
        if case["identical"]:
            x.t_feats = [t[:, : s.shape[1]].contiguous() for s, t in zip(x.s_feats, x.t_feats)]
    if reads == "embedding":
        x.s_emb, x.t_emb = emb, torch.tensor(g["embed_teacher"], dtype=torch.float32)
    if method in PARTS:
        x.parts = PARTS[method]([(s.shape[1], t.shape[1]) for s, t in zip(x.s_feats, x.t_feats)], 0)
    value = LOSSES["loss_" + method](x, case["params"])
    if value.requires_grad:
        value.backward()  # none's zero has no graph: its gradient is zero
    zero_if_none = lambda t, like: t if t is not None else torch.zeros_like(like)
    grad = {"logits": zero_if_none(s_logits.grad, s_logits), "feature0": zero_if_none(f0.grad, f0).permute(0, 2, 3, 1),
            "embedding": zero_if_none(emb.grad, emb)}[case["gradientOf"]]
    answers.append({"value": value.item(), "gradient": grad.flatten().tolist()})
print(json.dumps(answers))
`;

describe('the PyTorch losses', () => {
  it('cover every method of the registry', () => {
    expect(methodsWithoutPython()).toEqual([]);
    expect(Object.keys(PYTHON_LOSSES).sort()).toEqual(METHODS.map((m) => m.id).sort());
  });
});

reportMissingTorch('the PyTorch losses against the tfjs losses');
describe.skipIf(!TORCH_PYTHON)('the PyTorch losses against the lab (needs torch)', () => {
  it('give the lab\'s value and gradient for every method (relative 1e-4)', () => {
    const reads = (method: string) => METHODS.find((m) => m.id === method)!.layers.reads;
    const python = runPython<{ value: number; gradient: number[] }[]>(HARNESS, { inputs, cases: CASES.map((c) => ({ ...c, reads: reads(c.method), identical: identical(c.method) })) });
    CASES.forEach((testCase, i) => {
      const lab = labSide(testCase);
      const label = `${testCase.method} ${JSON.stringify(testCase.params)}`;
      expect(Number.isFinite(lab.value), label).toBe(true);
      expect(Math.abs(python[i].value - lab.value), `${label}: value ${python[i].value} vs lab ${lab.value}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(lab.value)));
      const scale = Math.max(1e-6, ...lab.gradient.map(Math.abs));
      const worst = Math.max(0, ...lab.gradient.map((g, j) => Math.abs(g - python[i].gradient[j])));
      expect(python[i].gradient.length, label).toBe(lab.gradient.length);
      // none's gradient is all zeros on both sides (scale 1e-6): a wrong one would show.
      expect(worst / scale, `${label}: largest gradient difference ${worst} (largest entry ${scale})`).toBeLessThanOrEqual(1e-4);
    });
  });
});

const PARTS_HARNESS = String.raw`
${PYTHON_PRELUDE}
${pythonLossSource(Object.keys(PYTHON_LOSSES))}

PARTS = {name[len("parts_"):]: fn for name, fn in list(globals().items()) if name.startswith("parts_")}
request = json.load(sys.stdin)
answers = {}
for method in request["methods"]:
    module = PARTS[method]([tuple(pair) for pair in request["pairs"]], request["seed"])
    answers[method] = sorted(v for p in module.parameters() for v in p.detach().flatten().tolist())
print(json.dumps(answers))
`;

describe.skipIf(!TORCH_PYTHON)('the PyTorch connectors (needs torch)', () => {
  it('are the lab\'s, value for value: parts_<id> draws what createLearnable draws from the same seed', () => {
    const methods = Object.entries(PYTHON_LOSSES).filter(([, loss]) => loss.parts).map(([id]) => id);
    const shapes = [
      { student: [4, 4, 3], teacher: [4, 4, 5] },
      { student: [2, 2, 6], teacher: [2, 2, 4] },
    ];
    const seed = 7;
    const python = runPython<Record<string, number[]>>(PARTS_HARNESS, { methods, pairs: shapes.map((s) => [s.student[2], s.teacher[2]]), seed });
    for (const method of methods) {
      const parts = createLearnableParts(method, shapes, seed)!;
      const lab = parts.variables.flatMap((v) => Array.from(v.dataSync())).sort((a, b) => a - b);
      parts.dispose();
      expect(python[method].length, method).toBe(lab.length);
      const worst = Math.max(...lab.map((v, i) => Math.abs(v - python[method][i])));
      expect(worst, `${method}: largest difference`).toBe(0);
    }
  });
});
