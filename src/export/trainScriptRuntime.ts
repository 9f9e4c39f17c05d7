// The parts of the exported train.py that are the same for every run: the lab's seeded streams,
// its data pipeline, the tfjs weight converter, the training loop (one process or torchrun + DDP)
// and the metrics, written as Python in src/export/python/runtime/. trainScript.ts puts the run's
// own parts around them. Each file says which lab file it follows; the values it must reproduce
// are tested in test/export/.
import { PYTHON_FILES } from './pythonFiles';

function runtimeFile(name: string): string {
  const text = PYTHON_FILES[`runtime/${name}.py`];
  if (text === undefined) throw new Error(`src/export/python/runtime/${name}.py is missing`);
  return text;
}

/** Imports and the lab's seeded generator (src/core/rng.ts), bit for bit. */
export const PYTHON_PRELUDE = runtimeFile('prelude');

/** Dataset files -> the lab's train / val / test splits (src/data/load.ts, split.ts, csv.ts, idx.ts). */
export const PYTHON_DATA = runtimeFile('data');

/** model.json + weights.bin -> a module's state (src/models/io.ts writes them). */
export const PYTHON_CONVERTER = runtimeFile('converter');

/** The training loop: runExperiment, trainStep, mixing, EMA, R-Drop, evaluation and metrics. */
export const PYTHON_TRAINING = runtimeFile('training');
