/**
 * What a browser client may ask of a security key through the bridge. A page reaching the key's raw HID reports or
 * GATT frames could otherwise run CTAP for any relying party (browsers keep FIDO devices out of WebHID for exactly
 * this reason), so for clients that came with an Origin every CTAP request is read before it is forwarded:
 * MakeCredential and GetAssertion only for an RP ID the origin may claim (the shim's own rule, origin.ts), U2F
 * register and authenticate only for the SHA-256 of such an RP ID, and only the commands a WebAuthn client needs.
 * Programs that presented the launch token and no Origin (the CLI) are not restricted.
 */
import {
  CtapCommand,
  type CtapValue,
  GetAssertionKey,
  MakeCredentialKey,
  U2fInstruction,
  constantTimeBytesEqual,
  decodeCtap,
  decodeU2fRequest,
  sha256,
} from '@hkey/protocol';
import { BridgeError } from '../errors.js';
import { relyingPartyIdsOf } from '../shims/webauthn/origin.js';

/** The RP ID of the touch probe WebAuthn clients send to CTAP 2.0 keys (with an empty pinUvAuthParam): no site's. */
const TOUCH_PROBE_RP_ID = '.dummy';
const U2F_APPLICATION_OFFSET = 32;

/** The CTAP2 commands a WebAuthn client sends; reset, credential management and the rest stay with programs. */
const CLIENT_COMMANDS: ReadonlySet<number> = new Set([
  CtapCommand.MakeCredential,
  CtapCommand.GetAssertion,
  CtapCommand.GetInfo,
  CtapCommand.ClientPIN,
  CtapCommand.GetNextAssertion,
  CtapCommand.Selection,
]);

export class CtapRequestRefused extends BridgeError {
  constructor(message: string) {
    super('RP_ID_REFUSED', message);
  }
}

export interface CtapRequestPolicy {
  /** Throws CtapRequestRefused unless this client may send the CTAP2 request (command byte, then CBOR). */
  checkCbor(request: Uint8Array): void;
  /** Throws CtapRequestRefused unless this client may send the U2F command APDU. */
  checkApdu(apdu: Uint8Array): void;
}

/** No restriction: programs with the launch token. */
export const UNRESTRICTED: CtapRequestPolicy = { checkCbor: () => undefined, checkApdu: () => undefined };

/** The policy for a browser client of `origin` (as its Origin header gave it). */
export function originPolicy(origin: string): CtapRequestPolicy {
  const rpIds = relyingPartyIdsOf(origin);
  const applications = rpIds.map((rpId) => sha256(new TextEncoder().encode(rpId)));
  const refuse = (what: string): never => {
    throw new CtapRequestRefused(`A web page may only ${what} for its own origin's RP ID; the bridge did not forward this request to the key.`);
  };
  return {
    checkCbor(request) {
      const command = request[0];
      if (command === undefined || !CLIENT_COMMANDS.has(command)) refuse('send the CTAP commands of a WebAuthn client, and');
      if (command !== CtapCommand.MakeCredential && command !== CtapCommand.GetAssertion) return;
      const rpId = requestedRpId(command, request.subarray(1));
      if (rpId === undefined || (!rpIds.includes(rpId) && rpId !== TOUCH_PROBE_RP_ID)) refuse('make credentials or get assertions');
    },
    checkApdu(apdu) {
      const request = decodeU2fRequest(apdu);
      if (request === undefined || request.cla !== 0) return refuse('send well-formed U2F commands, and');
      if (request.ins === U2fInstruction.VERSION) return;
      const application = request.data.subarray(U2F_APPLICATION_OFFSET, U2F_APPLICATION_OFFSET + 32);
      const known = application.length === 32 && applications.some((hash) => constantTimeBytesEqual(hash, application));
      if ((request.ins !== U2fInstruction.REGISTER && request.ins !== U2fInstruction.AUTHENTICATE) || !known) refuse('register or sign with U2F');
    },
  };
}

/** The RP ID a MakeCredential (rp.id) or GetAssertion (rpId) names; undefined when the request does not parse. */
function requestedRpId(command: number, body: Uint8Array): string | undefined {
  let params: CtapValue;
  try {
    params = decodeCtap(body);
  } catch {
    return undefined;
  }
  if (!(params instanceof Map)) return undefined;
  if (command === CtapCommand.GetAssertion) {
    const rpId = params.get(GetAssertionKey.rpId);
    return typeof rpId === 'string' ? rpId : undefined;
  }
  const rp = params.get(MakeCredentialKey.rp);
  const id = rp instanceof Map ? rp.get('id') : undefined;
  return typeof id === 'string' ? id : undefined;
}
