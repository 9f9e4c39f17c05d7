// The methods as data: id, label, paper, kind, parameters with defaults and ranges, mixing rule
// and layer use, in the registry's order (docs/ARCHITECTURE.md §4.1). No tfjs here: the page
// imports this file for its pickers, knobs, URL codec and validation; the losses themselves
// (src/kd/losses/, gathered by registry.ts) run only in the worker, the CLI and the tests.
import type { MethodSpec, ParamSpec, ResolvedParams } from './types';

export type { MethodSpec, ParamSpec } from './types';
import { temperatureParam } from './params';

/** mdistiller's CIFAR schedule ramps DKD over 20 of its 240 epochs. */
export const DKD_REFERENCE_WARMUP_FRACTION = 20 / 240;

const none: MethodSpec = {
  id: 'none',
  label: 'None (student from scratch)',
  kind: 'none',
  summary: 'Train the student on hard labels only: the baseline every distilled student is compared with.',
  params: [],
  defaultWeight: 0,
  mixing: 'additive',
  layers: { reads: 'logits' },
};

const kd: MethodSpec = {
  id: 'kd',
  label: 'KD (soft targets)',
  kind: 'logits',
  paper: {
    title: 'Distilling the Knowledge in a Neural Network',
    authors: 'Hinton, Vinyals, Dean',
    year: 2015,
    url: 'https://arxiv.org/abs/1503.02531',
  },
  summary: "Match the teacher's softened class distribution at temperature T.",
  params: [temperatureParam(4)],
  defaultWeight: 0.9,
  mixing: 'ratio',
  layers: { reads: 'logits' },
};

const dkd: MethodSpec = {
  id: 'dkd',
  label: 'DKD (decoupled KD)',
  kind: 'logits',
  paper: {
    title: 'Decoupled Knowledge Distillation',
    authors: 'Zhao, Cui, Song, Qiu, Liang',
    year: 2022,
    url: 'https://arxiv.org/abs/2203.08679',
  },
  summary: 'KD split into target-class (TCKD) and non-target-class (NCKD) terms, weighted separately.',
  params: [
    {
      name: 'alpha',
      label: 'α (TCKD weight)',
      default: 1,
      min: 0,
      max: 10,
      step: 0.1,
      help: 'Weight of the target-vs-rest term: how confident the teacher is in the true class.',
    },
    {
      name: 'beta',
      label: 'β (NCKD weight)',
      default: 8,
      min: 0,
      max: 20,
      step: 0.5,
      help: "Weight of the non-target term: the teacher's ranking of the wrong classes (the dark knowledge).",
    },
    temperatureParam(4),
    {
      name: 'warmupFraction',
      label: 'Warm-up (share of the run)',
      default: DKD_REFERENCE_WARMUP_FRACTION,
      min: 0,
      max: 1,
      step: 0.01,
      help: "The DKD term ramps linearly from 0 to full weight over this share of the run's steps; 0.083 = mdistiller's 20 of 240 epochs, so a run of any length ramps like the paper's. 0 turns the ramp off.",
    },
    {
      name: 'warmupEpochs',
      label: 'Warm-up in epochs (fixed)',
      default: 0,
      min: 0,
      max: 10000,
      step: 1,
      help: "Above 0, replaces the share: the ramp lasts this many epochs whatever the run's length (mdistiller's 20, meant for 240 epochs). 0 = use the share.",
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'logits' },
};

const dist: MethodSpec = {
  id: 'dist',
  label: 'DIST (Pearson relations)',
  kind: 'logits',
  paper: {
    title: 'Knowledge Distillation from A Stronger Teacher',
    authors: 'Huang, You, Wang, Qian, Xu',
    year: 2022,
    url: 'https://arxiv.org/abs/2205.10536',
  },
  summary: "Match how the teacher ranks classes per sample and samples per class (Pearson correlation), not exact probabilities.",
  params: [
    {
      name: 'beta',
      label: 'β (inter-class)',
      default: 1,
      min: 0,
      max: 10,
      step: 0.1,
      help: "Weight of the per-sample term: correlation of the student's and teacher's class distributions.",
    },
    {
      name: 'gamma',
      label: 'γ (intra-class)',
      default: 1,
      min: 0,
      max: 10,
      step: 0.1,
      help: 'Weight of the per-class term: correlation of how the batch scores each class.',
    },
    temperatureParam(1),
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'logits' },
};

const at: MethodSpec = {
  id: 'at',
  label: 'AT (attention transfer)',
  kind: 'features',
  paper: {
    title: 'Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer',
    authors: 'Zagoruyko, Komodakis',
    year: 2017,
    url: 'https://arxiv.org/abs/1612.03928',
  },
  summary: 'Match where each layer looks: normalised spatial maps of channel energy.',
  params: [
    {
      name: 'p',
      label: 'Exponent p',
      default: 2,
      min: 1,
      max: 6,
      step: 1,
      help: 'Attention map = mean over channels of activation^p; a larger p puts more weight on the strongest spots.',
    },
  ],
  defaultWeight: 1000,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 2, pairSize: 'pooled' },
};

const sp: MethodSpec = {
  id: 'sp',
  label: 'SP (similarity preserving)',
  kind: 'features',
  paper: {
    title: 'Similarity-Preserving Knowledge Distillation',
    authors: 'Tung, Mori',
    year: 2019,
    url: 'https://arxiv.org/abs/1907.09682',
  },
  summary: 'Samples that look alike to the teacher should look alike to the student: match batch similarity matrices.',
  params: [],
  defaultWeight: 3000,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 2 },
};

const nst: MethodSpec = {
  id: 'nst',
  label: 'NST (neuron selectivity)',
  kind: 'features',
  paper: {
    title: 'Like What You Like: Knowledge Distill via Neuron Selectivity Transfer',
    authors: 'Huang, Wang',
    year: 2017,
    url: 'https://arxiv.org/abs/1707.01219',
  },
  summary: "Match the distribution of the channels' spatial activation patterns (MMD, polynomial kernel).",
  params: [],
  defaultWeight: 50,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 1, pairSize: 'pooled' },
};

const fitnet: MethodSpec = {
  id: 'fitnet',
  label: 'FitNet (hints)',
  kind: 'features',
  paper: {
    title: 'FitNets: Hints for Thin Deep Nets',
    authors: 'Romero, Ballas, Kahou, Chassang, Gatta, Bengio',
    year: 2015,
    url: 'https://arxiv.org/abs/1412.6550',
  },
  summary: "Regress the teacher's feature map from the student's through a trained 1x1 convolution.",
  params: [],
  defaultWeight: 100,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 1 },
};

const mgd: MethodSpec = {
  id: 'mgd',
  label: 'MGD (masked generative)',
  kind: 'features',
  paper: {
    title: 'Masked Generative Distillation',
    authors: 'Yang, Li, Shen, Yuan, Yuan, Zhang',
    year: 2022,
    url: 'https://arxiv.org/abs/2205.01529',
  },
  summary: "Mask random channels of the student's features and train a small generator to rebuild the teacher's map from the rest.",
  params: [
    {
      name: 'alphaMgd',
      label: 'α (MGD scale)',
      default: 7e-5,
      min: 0,
      max: 0.01,
      step: 1e-5,
      help: 'Scales the summed squared error; the paper uses 7e-5 for classification.',
    },
    {
      name: 'lambdaMgd',
      label: 'λ (mask ratio)',
      default: 0.15,
      min: 0,
      max: 1,
      step: 0.05,
      help: "Share of the student's channels masked at random in every step before the generator rebuilds the teacher's map.",
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 1, pairSize: 'equal' },
};

const vid: MethodSpec = {
  id: 'vid',
  label: 'VID (variational information)',
  kind: 'features',
  paper: {
    title: 'Variational Information Distillation for Knowledge Transfer',
    authors: 'Ahn, Hu, Damianou, Lawrence, Dai',
    year: 2019,
    url: 'https://arxiv.org/abs/1904.05835',
  },
  summary: "Maximise mutual information: predict the teacher's features from the student's with a learned Gaussian.",
  params: [],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'features', defaultBlocks: 1, pairSize: 'pooled' },
};

const afd: MethodSpec = {
  id: 'afd',
  label: 'AFD (attention-based feature matching)',
  kind: 'features',
  paper: {
    title: 'Show, Attend and Distill: Knowledge Distillation via Attention-based Feature Matching',
    authors: 'Ji, Heo, Park',
    year: 2021,
    url: 'https://arxiv.org/abs/2102.02973',
  },
  summary: "Match every chosen student layer with every teacher layer, weighted by a learned attention between the teacher's queries and the student's keys.",
  params: [],
  // PaddleClas' AFD config (ResNet34 -> ResNet18) weighs AFDLoss 50, beside KD (0.9, T = 4): a recipe adds that term.
  defaultWeight: 50,
  mixing: 'additive',
  // The reference reads every residual block of both networks; the lab's networks have two or three blocks.
  layers: { reads: 'features', defaultBlocks: 3, minPairs: 2 },
};

const rkd: MethodSpec = {
  id: 'rkd',
  label: 'RKD (relational)',
  kind: 'relation',
  paper: {
    title: 'Relational Knowledge Distillation',
    authors: 'Park, Kim, Lu, Cho',
    year: 2019,
    url: 'https://arxiv.org/abs/1904.05068',
  },
  summary: 'Match the geometry of the batch in embedding space: pairwise distances and triplet angles.',
  params: [
    {
      name: 'wDistance',
      label: 'Distance weight',
      default: 25,
      min: 0,
      max: 200,
      step: 1,
      help: 'Weight of the distance term: pairwise embedding distances, each normalised by its mean.',
    },
    {
      name: 'wAngle',
      label: 'Angle weight',
      default: 50,
      min: 0,
      max: 200,
      step: 1,
      help: 'Weight of the angle term: the angles every triplet of samples forms in embedding space.',
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'embedding', extraFeaturePairs: [0] },
};

const pkt: MethodSpec = {
  id: 'pkt',
  label: 'PKT (probabilistic)',
  kind: 'relation',
  paper: {
    title: 'Learning Deep Representations with Probabilistic Knowledge Transfer',
    authors: 'Passalis, Tefas',
    year: 2018,
    url: 'https://arxiv.org/abs/1803.10837',
  },
  summary: "Match each sample's cosine-similarity distribution over the batch (a KL divergence).",
  params: [],
  defaultWeight: 30000,
  mixing: 'additive',
  layers: { reads: 'embedding', extraFeaturePairs: [0] },
};

const irg: MethodSpec = {
  id: 'irg',
  label: 'IRG (instance relationship graph)',
  kind: 'relation',
  paper: {
    title: 'Knowledge Distillation via Instance Relationship Graph',
    authors: 'Liu, Cao, Li, Yuan, Hu, Li, Duan',
    year: 2019,
    url: 'https://openaccess.thecvf.com/content_CVPR_2019/html/Liu_Knowledge_Distillation_via_Instance_Relationship_Graph_CVPR_2019_paper.html',
  },
  summary: 'Match a graph of the batch: the samples (vertices), their distances (edges) and how they move between layers.',
  params: [
    {
      name: 'wVertex',
      label: 'Vertex weight',
      default: 0.1,
      min: 0,
      max: 10,
      step: 0.05,
      help: "Weight of the vertex term: mean squared difference of the student's and teacher's logits.",
    },
    {
      name: 'wEdge',
      label: 'Edge weight',
      default: 5,
      min: 0,
      max: 50,
      step: 0.5,
      help: 'Weight of the edge term: max-normalised squared distances between the samples of the batch.',
    },
    {
      name: 'wTransform',
      label: 'Transformation weight',
      default: 5,
      min: 0,
      max: 50,
      step: 0.5,
      help: 'Weight of the transformation term; used only when two feature layers per network are chosen.',
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'embedding', extraFeaturePairs: [0, 2] },
};

const dml: MethodSpec = {
  id: 'dml',
  label: 'DML (mutual learning)',
  kind: 'mutual',
  paper: {
    title: 'Deep Mutual Learning',
    authors: 'Zhang, Xiang, Hospedales, Lu',
    year: 2018,
    url: 'https://arxiv.org/abs/1706.00384',
  },
  summary: "Two students learn together, each matching the other's predictions; no pretrained teacher.",
  params: [temperatureParam(1)],
  defaultWeight: 1,
  mixing: 'additive',
  layers: { reads: 'logits' },
};

const udml: MethodSpec = {
  id: 'udml',
  label: 'UDML (unified mutual learning)',
  kind: 'mutual',
  paper: {
    title: 'PP-ShiTu: A Practical Lightweight Image Recognition System',
    authors: 'Wei, Guo, Cui, Lu, Dong, Gao, Du, Zhou, Lyu, Liu, Hu, Yu, Ma',
    year: 2021,
    url: 'https://arxiv.org/abs/2111.00775',
  },
  summary: "DML's two students, each also pulled towards the other's feature map at a chosen layer (an L2 distance).",
  params: [
    temperatureParam(1),
    {
      name: 'wDistance',
      label: 'Feature distance weight',
      default: 1,
      min: 0,
      max: 100,
      step: 0.1,
      help: "Weight of the L2 distance between the two students' chosen feature maps, beside DML's KL (PaddleClas weighs both 1). 0 leaves DML.",
    },
  ],
  defaultWeight: 1,
  mixing: 'additive',
  // PaddleClas compares PPLCNet's blocks5 of two identical networks; here the last conv block, of the same shape in both.
  layers: { reads: 'features', defaultBlocks: 1, pairSize: 'identical' },
};

/** Every method, in the order the pickers list them. */
export const METHODS: readonly MethodSpec[] = [none, kd, dkd, dist, at, sp, nst, fitnet, mgd, vid, afd, rkd, pkt, irg, dml, udml];

const BY_ID = new Map(METHODS.map((method) => [method.id, method]));

/** The method's description (no loss): what the page and the validation need. */
export function methodSpec(id: string): MethodSpec {
  const method = BY_ID.get(id);
  if (!method) {
    throw new Error(`Unknown method "${id}". Known methods: ${METHODS.map((m) => m.id).join(', ')}`);
  }
  return method;
}

export function hasMethod(id: string): boolean {
  return BY_ID.has(id);
}

/**
 * Whose layers and logits a method's second side reads: the teacher's, or for a mutual method
 * (DML, UDML) the peer student's, which trains beside the student (planRun taps it as a teacher).
 */
export function otherSide(method: Pick<MethodSpec, 'kind'>): 'teacher' | 'peer' {
  return method.kind === 'mutual' ? 'peer' : 'teacher';
}

/** The method's parameters with its defaults filled in and unknown names refused. */
/** Whether a method reads layers (feature maps, embeddings) and not only the logits. */
export function readsLayers(method: Pick<MethodSpec, 'layers'>): boolean {
  return method.layers.reads !== 'logits';
}

export function resolveParams(
  method: MethodSpec,
  params: Readonly<Record<string, number>> = {},
): ResolvedParams {
  const known = new Set(method.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      const list = method.params.map((p) => p.name).join(', ') || 'none';
      throw new Error(`Method "${method.id}" has no parameter "${name}" (its parameters: ${list})`);
    }
  }
  const resolved: Record<string, number> = {};
  for (const spec of method.params) resolved[spec.name] = params[spec.name] ?? spec.default;
  return resolved as ResolvedParams;
}

/** The reason a value is out of a parameter's range, or null when it is fine. */
export function paramProblem(
  spec: Pick<ParamSpec, 'label' | 'min' | 'max' | 'minExclusive'>,
  value: number,
): string | null {
  if (!Number.isFinite(value)) return `${spec.label} must be a finite number`;
  if (spec.minExclusive && value <= spec.min) return `${spec.label} must be greater than ${spec.min}`;
  if (value < spec.min) return `${spec.label} must be at least ${spec.min}`;
  if (value > spec.max) return `${spec.label} must be at most ${spec.max}`;
  return null;
}
