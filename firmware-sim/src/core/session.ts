/** One transport connection to the key (docs/protocol.md §0, §6.2): the unit of PIN unlocking. */
export type SessionTransport = 'hid' | 'ble' | 'virtual';

export interface HandleOptions {
  /** Aborting cancels a wait for the button: the command answers CANCELLED. */
  readonly signal?: AbortSignal;
  /** Called when the command starts waiting for the button ('user-presence') and when it is processing. */
  readonly onStatus?: (status: 'processing' | 'user-presence') => void;
}

export interface KeySession {
  readonly id: number;
  readonly transport: SessionTransport;
  /**
   * Handles one HKP request and resolves with the response bytes, or with undefined when the key lost power
   * while handling it (no response ever comes, as with a real key).
   */
  handle(request: Uint8Array, options?: HandleOptions): Promise<Uint8Array | undefined>;
  /** One CTAP2 request (command byte + CBOR) to its response (status byte + CBOR) (docs/protocol.md §9.3). */
  ctap(request: Uint8Array, options?: HandleOptions): Promise<Uint8Array | undefined>;
  /** One U2F request APDU to its response APDU (docs/protocol.md §9.6). */
  u2f(apdu: Uint8Array, options?: HandleOptions): Promise<Uint8Array | undefined>;
  /** True while a PIN is set and this session has not verified it. */
  readonly locked: boolean;
  close(): void;
}
