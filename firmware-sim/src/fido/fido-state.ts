/**
 * The persistent part of the security-key mode (docs/protocol.md §9.5): what survives a power cut. Created on the
 * first FIDO command, so keys that never act as security keys carry none of it.
 */
export interface FidoCredentialRecord {
  readonly credentialId: Uint8Array;
  readonly rpId: string;
  readonly rpName?: string;
  readonly userId: Uint8Array;
  readonly userName?: string;
  readonly userDisplayName?: string;
  readonly credBlob?: Uint8Array;
  /** Creation order, for "most recent first" (CTAP 2.1 §6.2.2). */
  readonly created: number;
}

export interface FidoPin {
  /** LEFT(SHA-256(PIN), 16) (CTAP 2.1 §6.5.5.5). */
  readonly hash: Uint8Array;
  readonly retries: number;
  /** Code points of the PIN, so minPINLength changes can force a change. */
  readonly length: number;
}

export interface FidoState {
  /** Derives every credential's key and tags every credential id; replaced by Reset. */
  readonly masterSecret: Uint8Array;
  /** The global signature counter's last value: never reused, even across Reset (CTAP 2.1 §6.1.2). */
  readonly signCount: number;
  readonly pin?: FidoPin;
  readonly credentials: readonly FidoCredentialRecord[];
  /** The next creation number. */
  readonly nextCreated: number;
}

export const FIDO_PIN_RETRIES = 8;
export const FIDO_MIN_PIN_LENGTH = 4;

const utf8 = new TextEncoder();

/** Storage bytes a discoverable credential takes, counted with the accounts (docs/protocol.md §5.3, §9.5). */
export function credentialRecordBytes(record: Omit<FidoCredentialRecord, 'created'>): number {
  const text = (value: string | undefined): number => (value === undefined ? 0 : utf8.encode(value).length);
  return (
    32 +
    record.credentialId.length +
    text(record.rpId) +
    text(record.rpName) +
    record.userId.length +
    text(record.userName) +
    text(record.userDisplayName) +
    (record.credBlob?.length ?? 0)
  );
}

/** The most a credential can take (longest fields CTAP allows the key to keep), for remainingDiscoverableCredentials. */
export const MAX_CREDENTIAL_RECORD_BYTES = 32 + 35 + 128 + 64 + 64 + 64 + 64 + 32;

export function fidoUsedBytes(state: FidoState | undefined): number {
  return state === undefined ? 0 : state.credentials.reduce((sum, record) => sum + credentialRecordBytes(record), 0);
}
