// Shared by the CLI tests: the refusal a bad flag gets from parseArgs, the message a check rejects
// with, the CLI run in this process (its exit code and captured output: refusals and what the flags
// parse to) and the CLI run as a user runs it (a child process: exit code, stdout, stderr).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The message parseArgs refuses `argv` with (fails the test when it accepts it). */
export function refusal(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`parseArgs accepted ${argv.join(' ')}`);
}

/** The message a check that should refuse rejects with (fails the test when it resolves). */
export async function rejection(check: Promise<unknown>): Promise<string> {
  try {
    await check;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('it was accepted');
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's entry (src/cli/cliMain.ts) called in this process with `args`, its stdout and stderr
 * captured: no Node start-up per test. A run that gets past the flags and destinations names
 * --backend cpu, the backend test/setup.ts started; the wasm backend, signals, peak memory and
 * the exit itself are what the spawned runs (`cli`) are for.
 */
export async function cliInProcess(args: string[]): Promise<Outcome> {
  const { cliMain } = await import('../../src/cli/cliMain');
  const captured = { stdout: '', stderr: '' };
  const code = await cliMain(args, {
    stdout: { write: (text: string) => (captured.stdout += text) },
    stderr: { write: (text: string) => (captured.stderr += text) },
  });
  return { code, ...captured };
}

export function cli(args: string[], timeoutMs = 240_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
