// The headless runner as one call (docs/ARCHITECTURE.md §4.3): the flags, where the results go,
// the backend, the run and its --json, ending in the exit code. main.ts runs it on the process's
// arguments and streams; tests run it in process with their own.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../core/errors';
import { parseArgs, UsageError, USAGE, type CliOptions } from './args';
import { PROCESS_IO, type CliIo } from './io';
import { checkJsonFile, checkSaveFolder, writeFailure } from './nodeFiles';
import { runCli } from './run';
import { startNodeBackend } from './wasmThreads';

/** --backend: wasm on --threads threads (default: every core) with the lab's kernels, or cpu with the fast cpu kernels; false when it did not start. */
async function startBackend(options: CliOptions): Promise<boolean> {
  // IS_NODE only decides whether the cpu backend prints its "install tfjs-node" banner.
  tf.env().set('IS_NODE', false);
  return (await startNodeBackend(options.backend, options.threads)).started;
}

/** The exit code: 0 done (or stopped), 1 the run failed or could not write, 2 a bad flag or destination. */
export async function cliMain(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Where the results go is checked before training: a bad path must not cost the run.
  try {
    if (options.save) await checkSaveFolder(options.save);
    if (options.json) await checkJsonFile(options.json);
  } catch (error) {
    io.stderr.write(`error: ${errorMessage(error)}\n`);
    return 2;
  }
  if (!(await startBackend(options))) {
    io.stderr.write(`error: the ${options.backend} backend did not start\n`);
    return 1;
  }
  try {
    const { result, saveFailure } = await runCli(options, argv, io);
    if (options.json) {
      try {
        await writeFile(path.resolve(options.json), JSON.stringify(result, null, 2));
        if (!options.quiet) io.stderr.write(`wrote ${options.json}\n`);
      } catch (error) {
        io.stderr.write(`error: ${writeFailure('--json', options.json, error)}\n`);
        return 1;
      }
    }
    if (saveFailure) {
      io.stderr.write(`error: ${saveFailure}\n`);
      return 1;
    }
    if (result.status === 'error') {
      io.stderr.write(`error: ${result.error?.message}. ${result.error?.suggestion}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    io.stderr.write(`error: ${errorMessage(error)}\n`);
    return 1;
  }
}
