// The PyTorch side of every method of the lab, one file per registry id
// (src/export/python/losses/<id>.py): the Python source of its loss, `def loss_<id>(x, p)` (the
// same formula, constants and reference as src/kd/losses/<id>.ts, written for NCHW feature maps)
// and, for methods with trainable connectors, `def parts_<id>(pairs, seed)`, which builds them from
// the run's seed exactly as createLearnable does. A loss file gets the shared helper files
// (src/export/python/helpers/) whose functions it calls. The export writes into train.py only
// the files a run uses. A method without a file cannot be exported: exportProblem says so
// instead of writing something else (test/export/pythonLosses.test.ts runs every file against
// the tfjs loss on the same inputs).
import { METHODS } from '../kd/methods';
import { PYTHON_FILES } from './pythonFiles';

export interface PythonLoss {
  /** losses/<id>.py: `def loss_<id>(x, p)`, x a TermInputs, p the parameters (and its own helpers). */
  source: string;
  /** Whether it defines `def parts_<id>(pairs, seed)`: the method has trainable connectors. */
  parts: boolean;
  /** The helper files it calls (helpers/<name>.py), by name. */
  helpers: readonly string[];
}

/** The shared building blocks (helpers/<name>.py: src/kd/ops.ts, inputs.ts, connectors.ts) and the functions each defines. */
const HELPERS = Object.entries(PYTHON_FILES).flatMap(([file, source]) => {
  const name = /^helpers\/(\w+)\.py$/.exec(file)?.[1];
  return name ? [{ name, source, defines: [...source.matchAll(/^def (\w+)\(/gm)].map((match) => match[1]) }] : [];
});

function pythonLoss(id: string, source: string): PythonLoss {
  return {
    source,
    parts: new RegExp(`^def parts_${id}\\(`, 'm').test(source),
    helpers: HELPERS.filter((helper) => helper.defines.some((name) => new RegExp(`\\b${name}\\(`).test(source))).map((helper) => helper.name),
  };
}

/** Every method the PyTorch export can write, by registry id: the files losses/<id>.py. */
export const PYTHON_LOSSES: Readonly<Record<string, PythonLoss>> = Object.fromEntries(
  Object.entries(PYTHON_FILES).flatMap(([file, source]) => {
    const id = /^losses\/(\w+)\.py$/.exec(file)?.[1];
    return id ? [[id, pythonLoss(id, source)]] : [];
  }),
);

/** The registry's methods without a PyTorch version (empty when every method has one). */
export function methodsWithoutPython(): string[] {
  return METHODS.map((method) => method.id).filter((id) => !Object.hasOwn(PYTHON_LOSSES, id));
}

/** The Python source of the losses (and their helpers and connectors) for these method ids. */
export function pythonLossSource(methodIds: readonly string[]): string {
  const entries = methodIds.map((id) => {
    const entry = Object.hasOwn(PYTHON_LOSSES, id) ? PYTHON_LOSSES[id] : undefined;
    if (!entry) throw new Error(`Method "${id}" has no PyTorch version: it cannot be exported`);
    return entry;
  });
  const helpers = [...new Set(entries.flatMap((entry) => entry.helpers))].sort();
  return [...helpers.map((name) => HELPERS.find((helper) => helper.name === name)!.source), ...entries.map((entry) => entry.source)]
    .map((block) => block.trim())
    .join('\n\n\n');
}
