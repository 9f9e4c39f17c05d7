// The headless runner: `npm run train -- --dataset digits --method kd ...` (docs/ARCHITECTURE.md §4.3).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { installFastCpuKernels } from '../train/cpuKernels';
import { defaultWasmThreads, startNodeWasm } from './wasmThreads';
import { parseArgs, UsageError, USAGE } from './args';
import { checkJsonFile, checkSaveFolder, writeFailure } from './nodeFiles';
import { runCli } from './run';
import { errorMessage } from '../core/errors';

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Where the results go is checked before training: a bad path must not cost the run.
  try {
    if (options.save) await checkSaveFolder(options.save);
    if (options.json) await checkJsonFile(options.json);
  } catch (error) {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    return 2;
  }
  // IS_NODE only decides whether the cpu backend prints its "install tfjs-node" banner.
  tf.env().set('IS_NODE', false);
  if (options.backend === 'wasm') {
    // tfjs' own kernels (convolutions, matrix products) on every core; the lab's run on this thread.
    if (!(await startNodeWasm(options.threads ?? defaultWasmThreads()))) {
      process.stderr.write('error: the wasm backend did not start\n');
      return 1;
    }
  } else {
    await tf.setBackend('cpu');
    installFastCpuKernels();
  }
  try {
    const { result, saveFailure } = await runCli(options, process.argv.slice(2));
    if (options.json) {
      try {
        await writeFile(path.resolve(options.json), JSON.stringify(result, null, 2));
        if (!options.quiet) process.stderr.write(`wrote ${options.json}\n`);
      } catch (error) {
        process.stderr.write(`error: ${writeFailure('--json', options.json, error)}\n`);
        return 1;
      }
    }
    if (saveFailure) {
      process.stderr.write(`error: ${saveFailure}\n`);
      return 1;
    }
    if (result.status === 'error') {
      process.stderr.write(`error: ${result.error?.message}. ${result.error?.suggestion}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
