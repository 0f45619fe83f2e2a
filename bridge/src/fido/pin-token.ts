/**
 * A pinUvAuthToken (CTAP 2.1 §6.5.2): proof of the FIDO PIN for the permissions and RP it was issued for. The token
 * bytes are a secret: they live in a private field, so they appear in no log, inspection or JSON of this object.
 */
import { pinProtocol } from '@hkey/protocol';
import type { PinTokenLike } from './fido-types.js';

export class PinUvAuthToken implements PinTokenLike {
  readonly #token: Uint8Array;

  constructor(
    readonly protocol: 1 | 2,
    token: Uint8Array,
    /** PinPermission bits the token was asked for. */
    readonly permissions: number,
    readonly rpId: string | undefined,
  ) {
    this.#token = token;
  }

  /** pinUvAuthParam: the token's MAC of `message` (the clientDataHash, or a subcommand and its parameters). */
  authenticate(message: Uint8Array): Uint8Array {
    return (pinProtocol(this.protocol) as NonNullable<ReturnType<typeof pinProtocol>>).authenticate(this.#token, message);
  }

  toJSON(): { protocol: 1 | 2; permissions: number; rpId: string | undefined } {
    return { protocol: this.protocol, permissions: this.permissions, rpId: this.rpId };
  }
}
