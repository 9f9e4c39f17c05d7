// A one-line progress bar on a terminal; plain lines when stderr is not a TTY.
import type { TextOut } from './io';

export class ProgressBar {
  private lastPlain = -1;
  private readonly tty: boolean;

  constructor(
    private readonly quiet: boolean,
    private readonly out: TextOut = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  update(step: number, total: number, label: string): void {
    if (this.quiet) return;
    const fraction = total > 0 ? step / total : 0;
    if (this.tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label}   `);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth !== this.lastPlain) {
        this.lastPlain = tenth;
        this.out.write(`${(fraction * 100).toFixed(0)}% step ${step}/${total} ${label}\n`);
      }
    }
  }

  status(text: string): void {
    if (this.quiet) return;
    if (this.tty) this.out.write(`\r${text}   `);
  }

  log(line: string): void {
    if (this.quiet) return;
    this.out.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  done(): void {
    if (!this.quiet && this.tty) this.out.write('\n');
  }
}
