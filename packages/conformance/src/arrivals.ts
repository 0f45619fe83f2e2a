/**
 * Waiting for what a key sends (reports, notifications): a read looks at what has arrived and otherwise sleeps
 * until the next arrival or its deadline. Several reads may wait at once (HID cases read several channels).
 */
export class Arrivals {
  private readonly waiters = new Set<() => void>();

  /** Something arrived (or the link dropped): every waiting read looks again. */
  notify(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** The first value `take` gives within `timeoutMs`, or undefined; `take` runs at once and after each arrival. */
  async next<T>(take: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const waiter = (): void => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(waiter, left);
        this.waiters.add(waiter);
      });
    }
  }
}
