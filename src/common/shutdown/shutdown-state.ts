import { Injectable } from '@nestjs/common';

/** Whether this process is shutting down: readiness fails from the first moment, so traffic moves elsewhere. */
@Injectable()
export class ShutdownState {
  private drainingSince: number | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
