// Where the CLI writes: the process's stdout and stderr, or (in tests run in process) two strings.

/** What the CLI needs of a stream: writing text, and whether it is a terminal (a progress bar redraws one line). */
export interface TextOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: TextOut;
  stderr: TextOut;
}

export const PROCESS_IO: CliIo = { stdout: process.stdout, stderr: process.stderr };
