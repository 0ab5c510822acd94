/** What a progress display needs of a sync request. */
export interface ProgressState {
  readonly status: string;
  readonly done: number;
  readonly total: number | null;
  readonly records: number;
}

const BAR_WIDTH = 30;

/**
 * Progress of long work: a bar redrawn in place on a terminal, one line per change otherwise (logs, pipes, CI), so
 * both a person and a log reader see it move.
 */
export class ProgressView {
  private last = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(p: ProgressState): void {
    const text = describe(p);
    if (text === this.last) {
      return;
    }
    this.last = text;
    if (this.out.isTTY) {
      this.out.write(`\r${bar(p)} ${text}`.padEnd(this.out.columns > 0 ? this.out.columns - 1 : 0));
    } else {
      this.out.write(`progress: ${text}\n`);
    }
  }

  end(): void {
    if (this.out.isTTY && this.last !== '') {
      this.out.write('\n');
    }
  }
}

function describe(p: ProgressState): string {
  const chunks = p.total === null ? `${p.done} chunk(s)` : `${p.done}/${p.total} chunks`;
  return `${p.status} ${chunks}, ${p.records} records`;
}

function bar(p: ProgressState): string {
  const ratio = p.total === null || p.total === 0 ? 0 : Math.min(1, p.done / p.total);
  const filled = Math.round(ratio * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}
