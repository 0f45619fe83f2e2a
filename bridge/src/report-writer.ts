/**
 * Writes reports to a HidReportPort in order. Ports whose send() is synchronous (in-process, UDP) pay nothing
 * extra; when send() returns a promise (WebHID, node-hid's async write), later reports wait for it, so the
 * packets of a message never overtake each other.
 */
import type { HidReportPort } from './hid-report-port.js';

export class ReportWriter {
  /** The last pending write of an asynchronous port. */
  private pending: Promise<void> | undefined;

  constructor(
    private readonly port: HidReportPort,
    /** Called for every failed send: the link is broken. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  write(reports: readonly Uint8Array[]): void {
    for (const report of reports) {
      const previous = this.pending;
      if (previous !== undefined) {
        this.track(previous.then(() => this.port.send(report)));
        continue;
      }
      let result: void | Promise<void>;
      try {
        result = this.port.send(report);
      } catch (error) {
        this.onFailure(error);
        return;
      }
      if (result instanceof Promise) this.track(result);
    }
  }

  /** Resolves once every report written so far has been handed to the port (or failed). */
  async flushed(): Promise<void> {
    await this.pending;
  }

  private track(write: Promise<void>): void {
    const tracked: Promise<void> = write.then(
      () => {
        if (this.pending === tracked) this.pending = undefined;
      },
      (error: unknown) => {
        if (this.pending === tracked) this.pending = undefined;
        this.onFailure(error);
      },
    );
    this.pending = tracked;
  }
}
