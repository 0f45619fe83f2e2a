/**
 * What the security-key cases need of a transport, whichever it is: send a CTAP2 request (command byte + CBOR) or
 * a U2F request APDU, read KEEPALIVE statuses and the answer, send CANCEL. CTAPHID (CTAP 2.1 §11.2) carries them in
 * CBOR, MSG, KEEPALIVE and CANCEL packets on one channel; the FIDO BLE service (CTAP 2.1 §11.4, docs/protocol.md
 * §2.12) in MSG, KEEPALIVE and CANCEL fragments. Anything else the key sends for a request fails the case.
 */

/** KEEPALIVE statuses, the same bytes on CTAPHID (CTAP 2.1 §11.2.9.1.7) and BLE (§11.4, docs/protocol.md §2.6). */
export const KeepaliveStatus = { PROCESSING: 0x01, UP_NEEDED: 0x02 } as const;

/** What a CTAP link delivers for the request in progress. */
export type CtapLinkEvent =
  | { readonly kind: 'keepalive'; readonly status: number }
  | {
      readonly kind: 'answer';
      /** A CTAP2 status byte + CBOR, or a U2F response APDU. */
      readonly payload: Uint8Array;
      /** When its first packet or fragment arrived (performance.now()). */
      readonly at: number;
    };

/** Which interface of the authenticator a request is for: the answer must come back the way that interface says. */
export type CtapRequestKind = 'ctap2' | 'u2f';

export interface CtapLink {
  /** For failure messages, e.g. "CTAPHID", "the FIDO BLE service". */
  readonly name: string;
  /**
   * Whether a U2F APDU must start with CLA 0x00 to reach the U2F interface at all: on the FIDO BLE service under
   * FIDO2 the first byte tells a U2F APDU (0x00) from a CTAP2 command byte (§2.12); CTAPHID_MSG takes any CLA.
   */
  readonly u2fNeedsClaZero: boolean;
  /** Sends one request; resolves with performance.now() when its last packet or fragment left. */
  send(kind: CtapRequestKind, request: Uint8Array): Promise<number>;
  /** The next KEEPALIVE or the answer to a `kind` request; undefined after `timeoutMs` of silence. */
  next(kind: CtapRequestKind, timeoutMs: number): Promise<CtapLinkEvent | undefined>;
  /** CANCEL for the request in progress; resolves with performance.now() when it left. */
  cancel(): Promise<number>;
}
