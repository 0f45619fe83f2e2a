/**
 * U2F (CTAP1) over CTAPHID_MSG (FIDO U2F Raw Message Formats v1.2, CTAP 2.1 §11.2.9.1.1): version, register and
 * authenticate. U2F cannot wait for the button: a request that needs a touch answers CONDITIONS_NOT_SATISFIED, and
 * the host repeats it until the key has been touched, as browsers do, within `timeoutMs` (default 30 s).
 */
import { U2F_REGISTER_ID, U2fAuthenticateMode, U2fInstruction, U2fStatusWord, concatBytes, encodeU2fRequest } from '@hkey/protocol';
import { TransportError } from '../errors.js';
import type { CtapChannel, FidoCallOptions } from './ctap-channel.js';
import { U2fError } from './fido-errors.js';

export interface U2fRegistration {
  /** The credential's P-256 public key, SEC1 uncompressed (65 bytes). */
  readonly publicKey: Uint8Array;
  readonly keyHandle: Uint8Array;
  /** The attestation certificate (DER). */
  readonly certificate: Uint8Array;
  /** ECDSA over 0x00 || application || challenge || keyHandle || publicKey, with the attestation key. */
  readonly signature: Uint8Array;
}

export interface U2fAuthentication {
  readonly userPresence: boolean;
  readonly counter: number;
  /** ECDSA over application || flags || counter || challenge, with the credential key. */
  readonly signature: Uint8Array;
}

/** enforce: touch needed (default); dont-enforce: no touch, the user-presence bit stays clear. */
export type U2fPresence = 'enforce' | 'dont-enforce';

const DEFAULT_U2F_TIMEOUT_MS = 30_000;
/** How often a request waiting for a touch is repeated. */
const POLL_MS = 100;
const EMPTY = new Uint8Array(0);

export class U2fClient {
  constructor(private readonly channel: CtapChannel) {}

  /** "U2F_V2". */
  async version(options: FidoCallOptions = {}): Promise<string> {
    const data = await this.send(U2fInstruction.VERSION, 0, EMPTY, options);
    return new TextDecoder().decode(data);
  }

  /** Registers with `application` (SHA-256 of the AppID) for `challenge` (SHA-256 of the client data); needs a touch. */
  async register(challenge: Uint8Array, application: Uint8Array, options: FidoCallOptions = {}): Promise<U2fRegistration> {
    const data = await this.untilTouched(U2fInstruction.REGISTER, 0, concatBytes(check32(challenge), check32(application)), options);
    return readRegistration(data);
  }

  async authenticate(
    challenge: Uint8Array,
    application: Uint8Array,
    keyHandle: Uint8Array,
    presence: U2fPresence = 'enforce',
    options: FidoCallOptions = {},
  ): Promise<U2fAuthentication> {
    const mode = presence === 'enforce' ? U2fAuthenticateMode.ENFORCE_USER_PRESENCE : U2fAuthenticateMode.DONT_ENFORCE_USER_PRESENCE;
    const data = await this.untilTouched(U2fInstruction.AUTHENTICATE, mode, authenticateData(challenge, application, keyHandle), options);
    if (data.length < 6) throw malformed();
    return { userPresence: ((data[0] as number) & 1) === 1, counter: new DataView(data.buffer, data.byteOffset).getUint32(1), signature: data.slice(5) };
  }

  /** Whether `keyHandle` was made by this key for `application` (check-only: no touch, no signature). */
  async owns(application: Uint8Array, keyHandle: Uint8Array, options: FidoCallOptions = {}): Promise<boolean> {
    try {
      await this.send(U2fInstruction.AUTHENTICATE, U2fAuthenticateMode.CHECK_ONLY, authenticateData(new Uint8Array(32), application, keyHandle), options);
      throw malformed();
    } catch (error) {
      if (error instanceof U2fError && error.statusWord === U2fStatusWord.CONDITIONS_NOT_SATISFIED) return true;
      if (error instanceof U2fError && error.statusWord === U2fStatusWord.WRONG_DATA) return false;
      throw error;
    }
  }

  /** Repeats a request the key answers CONDITIONS_NOT_SATISFIED until it is touched, aborted or out of time. */
  private async untilTouched(ins: number, p1: number, data: Uint8Array, options: FidoCallOptions): Promise<Uint8Array> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_U2F_TIMEOUT_MS);
    let announced = false;
    for (;;) {
      try {
        return await this.send(ins, p1, data, { signal: options.signal, timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (error) {
        if (!(error instanceof U2fError) || error.statusWord !== U2fStatusWord.CONDITIONS_NOT_SATISFIED) throw error;
      }
      if (!announced) {
        announced = true;
        options.onUserPresence?.();
      }
      if (Date.now() + POLL_MS >= deadline)
        throw new TransportError('TIMEOUT', { message: 'Nobody touched the security key in time; try again and press its button when it blinks.' });
      await pause(POLL_MS, options.signal);
    }
  }

  private async send(ins: number, p1: number, data: Uint8Array, options: FidoCallOptions): Promise<Uint8Array> {
    const response = await this.channel.msg(encodeU2fRequest({ cla: 0, ins, p1, p2: 0, data }), { signal: options.signal, timeoutMs: options.timeoutMs });
    if (response.statusWord !== U2fStatusWord.NO_ERROR) throw new U2fError(response.statusWord);
    return response.data;
  }
}

function check32(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 32)
    throw new TransportError('PROTOCOL_VIOLATION', { message: 'U2F challenge and application parameters are 32 bytes (SHA-256 hashes).' });
  return bytes;
}

function authenticateData(challenge: Uint8Array, application: Uint8Array, keyHandle: Uint8Array): Uint8Array {
  if (keyHandle.length === 0 || keyHandle.length > 255) throw new TransportError('PROTOCOL_VIOLATION', { message: 'A U2F key handle has 1 to 255 bytes.' });
  return concatBytes(check32(challenge), check32(application), new Uint8Array([keyHandle.length]), keyHandle);
}

/** 0x05 | publicKey (65) | L | keyHandle (L) | certificate (DER) | signature (U2F Raw Message Formats §4.3). */
function readRegistration(data: Uint8Array): U2fRegistration {
  if (data[0] !== U2F_REGISTER_ID || data.length < 67) throw malformed();
  const handleLength = data[66] as number;
  const certificateStart = 67 + handleLength;
  const certificateLength = derLength(data, certificateStart);
  const signatureStart = certificateStart + certificateLength;
  if (certificateLength === 0 || signatureStart >= data.length) throw malformed();
  return {
    publicKey: data.slice(1, 66),
    keyHandle: data.slice(67, certificateStart),
    certificate: data.slice(certificateStart, signatureStart),
    signature: data.slice(signatureStart),
  };
}

/** The whole length of the DER SEQUENCE at `start` (header included); 0 when there is none. */
function derLength(data: Uint8Array, start: number): number {
  if (data[start] !== 0x30 || start + 2 > data.length) return 0;
  const first = data[start + 1] as number;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 3 || start + 2 + octets > data.length) return 0;
  let length = 0;
  for (let index = 0; index < octets; index++) length = length * 256 + (data[start + 2 + index] as number);
  return 2 + octets + length;
}

function malformed(): TransportError {
  return new TransportError('PROTOCOL_VIOLATION', {
    message: 'The security key sent a malformed U2F response; reconnect it, and report the problem if it persists.',
  });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TransportError('CANCELLED', { cause: signal.reason }));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new TransportError('CANCELLED', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
