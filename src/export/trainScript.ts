// train.py for one run: the run's numbers (config.json resolved: every term with its method's
// parameters, defaults filled in, its layer pairs, its mixing rule and warm-up from the method
// registry), its networks as torch modules, the losses it uses (pythonLosses.ts) and the shared
// runtime (trainScriptRuntime.ts). Pure string building: the page imports it.
import { methodSpec, resolveParams } from '../kd/methods';
import { CURVE_EVAL_SAMPLES, isMutual, usesTeacher, type ExperimentConfig } from '../train/config';
import type { BuiltinDataset } from '../data/registry';
import { networkTaps, type ExportTerm, type Network } from './networks';
import { networkModuleSource } from './networkModules';
import { PYTHON_LOSSES, pythonLossSource } from './pythonLosses';
import { PYTHON_CONVERTER, PYTHON_DATA, PYTHON_PRELUDE, PYTHON_TRAINING } from './trainScriptRuntime';
import { pythonLiteral, pythonString } from './pythonText';

/**
 * The flags the torchrun lines of train.py's usage and the README carry: torch 1.13's launcher on
 * Python 3.11 fails without them ('NoneType' object has no attribute 'get'); with them each line
 * of output names its rank. test/export/reproduce.test.ts runs the README's line.
 */
export const TORCHRUN_FLAGS = '--redirects 1 --tee 1';

/** Shell commands with their comments lined up (train.py's usage, the README). */
export function commandLines(commands: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...commands.map(([command]) => command.length));
  return commands.map(([command, comment]) => `${command.padEnd(width)}  # ${comment}`);
}

/** R-Drop's dropout on the student's embedding (src/train/rdrop.ts RDROP_DROPOUT_RATE; a test keeps them equal). */
export const RDROP_RATE = 0.1;

export interface TrainScriptInput {
  config: ExperimentConfig;
  dataset: BuiltinDataset;
  terms: readonly ExportTerm[];
  student: Network;
  teacher: Network | null;
  peer: Network | null;
  /** What the run is called (it may hold the command line or a row's label): the script's TITLE. */
  title: string;
}

/** A sample shape as PyTorch sees it: (C, H, W) for maps, (units,) otherwise. */
function torchShape(shape: readonly number[]): number[] {
  return shape.length === 3 ? [shape[2], shape[0], shape[1]] : [...shape];
}

function tapShapes(network: Network | null): Record<string, number[]> {
  if (!network) return {};
  return Object.fromEntries(network.layers.map((layer) => [layer.name, torchShape(layer.outputShape)]));
}

/** A JSON value as a Python constant, every string in it escaped (pythonText.ts); the comment is the lab's own text. */
function constant(name: string, value: unknown, comment: string): string {
  return `# ${comment}\n${name} = ${pythonLiteral(JSON.parse(JSON.stringify(value)))}`;
}

export function trainScript(input: TrainScriptInput): string {
  const { config, dataset, terms, student, teacher, peer } = input;
  const termTable = terms.map((term) => {
    const method = methodSpec(term.method);
    const embedding = method.layers.reads === 'embedding';
    return {
      method: term.method,
      weight: term.weight,
      mixing: method.mixing,
      warmup: method.params.some((p) => p.name === 'warmupFraction'),
      params: resolveParams(method, term.params),
      studentLayers: term.studentLayers,
      teacherLayers: term.teacherLayers,
      feature_pairs: embedding ? term.studentLayers.length - 1 : term.studentLayers.length,
      embedding,
    };
  });
  const methodIds = [...new Set(terms.map((term) => term.method))];
  const teacherTaps = [...new Set(terms.flatMap((term) => term.teacherLayers))];
  const mutual = isMutual(config);
  const datasetTable = {
    id: dataset.id,
    name: dataset.name,
    format: dataset.format,
    files: Object.values(dataset.files).filter((file): file is string => file !== undefined).map((file) => file.split('/').pop()!),
    input_shape: dataset.inputShape,
    classes: dataset.numClasses,
    max_value: dataset.format === 'csv' ? 16 : 255,
    test_fraction: dataset.testFraction ?? null,
  };
  const studentTaps = networkTaps(student).map((tap) => tap.name).join(', ');
  const usage = commandLines([
    ['python train.py', 'one process (GPU when there is one)'],
    [`torchrun --nproc_per_node=N ${TORCHRUN_FLAGS} train.py`, 'N processes, DistributedDataParallel (nccl on GPUs, gloo on CPUs)'],
    ['python train.py --data DIR', 'the dataset files elsewhere'],
    ['python train.py --init trained --epochs 5', 'continue from the lab\'s trained student'],
    ['python train.py --convert', 'only write student.pt / teacher.pt (converted weights)'],
  ]).join('\n');
  const blocks = [
    '#!/usr/bin/env python3',
    // The docstring is the lab's own text; what names the run (user text) is the TITLE constant.
    `"""One Distillation Lab run in PyTorch (TITLE below names it).\n\nExported by the Distillation Lab ("Export as PyTorch") from config.json: the same networks,\ndistillation terms, mixing rule, optimiser, schedule, batch order and metrics as the lab's run.\nNeeds only PyTorch (and numpy, which comes with it).\n\n${usage}\n"""`,
    PYTHON_PRELUDE.trim(),
    '\n# ---------------------------------------------------------------- this run',
    `TITLE = ${pythonString(input.title)}`,
    constant('RUN', config, "the run's configuration as the lab stores it (config.json)"),
    constant('TERMS', termTable, "the distillation terms: method, weight, mixing rule and warm-up from the lab's method registry, parameters with defaults filled in, layer pairs"),
    constant('DATASET', datasetTable, 'the dataset: its files (in --data) and how the lab reads them'),
    constant('TAP_SHAPES', { student: tapShapes(student), teacher: tapShapes(teacher ?? peer) }, "every layer output of one sample, (C, H, W) or (units,); a mutual run's other side is its peer"),
    `USAGE = """\n${usage}\n"""`,
    `USES_TEACHER = ${usesTeacher(config) ? 'True' : 'False'}`,
    `MUTUAL = ${mutual ? 'True' : 'False'}`,
    `TEACHER_TAPS = ${pythonLiteral(teacherTaps)}`,
    `CURVE_SAMPLES = ${CURVE_EVAL_SAMPLES}  # curve points score the first this many val and test samples; the final numbers all of them`,
    `RDROP_RATE = ${RDROP_RATE}`,
    '\n# ---------------------------------------------------------------- the networks (src/models/architectures.ts)',
    networkModuleSource(student, 'Student', `${student.id} on ${dataset.name}, as the lab builds it; its taps: ${studentTaps}.`),
    // The teacher's name is the user's text: NAME holds it. A class docstring cannot (CPython
    // encodes it to UTF-8 when it makes the class, and a lone surrogate would stop train.py).
    teacher ? networkModuleSource(teacher, 'Teacher', 'The teacher as its model.json describes it (NAME: the name it gives the model); frozen, in eval mode.') : 'Teacher = None',
    peer ? networkModuleSource(peer, 'Peer', `The mutual run's second student (${peer.id}).`) : 'Peer = None',
    '\n# ---------------------------------------------------------------- the distillation terms (src/kd/losses/)',
    pythonLossSource(methodIds.length > 0 ? methodIds : []),
    `LOSSES = {${methodIds.map((id) => `${pythonString(id)}: loss_${id}`).join(', ')}}`,
    `PARTS = {${methodIds.filter((id) => PYTHON_LOSSES[id].parts).map((id) => `${pythonString(id)}: parts_${id}`).join(', ')}}`,
    PYTHON_DATA.trim(),
    PYTHON_CONVERTER.trim(),
    PYTHON_TRAINING.trim(),
  ];
  return `${blocks.join('\n\n\n')}\n`;
}
