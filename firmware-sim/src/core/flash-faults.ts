/**
 * Scheduled flash-write faults (a headline feature of the simulator): fail the Nth write with an error,
 * or cut the power before the commit, after it, or in the middle of writing the data (short write).
 * Stores consult it on every save.
 */
export type FlashFault = 'write-error' | 'power-cut-before-commit' | 'power-cut-after-commit' | 'short-write';

export class FlashFaults {
  private writes = 0;
  private readonly planned = new Map<number, FlashFault>();

  /** Makes the write `writesFromNow` saves ahead (1 = the next one) fail with `fault`. */
  schedule(writesFromNow: number, fault: FlashFault): void {
    this.planned.set(this.writes + writesFromNow, fault);
  }

  clear(): void {
    this.planned.clear();
  }

  /** Called by a store at the start of each save; returns the fault to apply to this write, if any. */
  nextWrite(): FlashFault | undefined {
    this.writes += 1;
    const fault = this.planned.get(this.writes);
    this.planned.delete(this.writes);
    return fault;
  }

  get pending(): number {
    return this.planned.size;
  }
}
