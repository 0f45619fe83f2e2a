/** Anything that moves 64-byte HID reports to a key and back: USB HID, UDP datagrams, an in-process simulator, WebHID. */
export interface HidReportPort {
  send(report: Uint8Array): void | Promise<void>;
  /** Every IN report from the key; returns an unsubscribe function. */
  onReport(listener: (report: Uint8Array) => void): () => void;
  close?(): void | Promise<void>;
  /** Called when the link goes away by itself (unplug, socket error); every pending call then fails with DISCONNECTED. */
  onClose?(listener: (cause?: unknown) => void): () => void;
}
