/**
 * U2F (CTAP1) over CTAPHID_MSG (FIDO U2F Raw Message Formats v1.2, docs/protocol.md §9.6). U2F has no way to wait
 * for the button: a request that needs it answers CONDITIONS_NOT_SATISFIED at once and starts a button wait; the host
 * repeats the request, and a press within ten seconds is used once, as on hardware.
 */
import {
  CoseAlgorithm,
  CredProtect,
  U2F_REGISTER_ID,
  U2F_VERSION,
  U2fAuthenticateMode,
  U2fInstruction,
  U2fStatusWord,
  concatBytes,
  decodeU2fRequest,
  encodeU2fResponse,
} from '@hkey/protocol';
import { newCredentialId } from './credential-id.js';
import { liveCredential } from './make-credential.js';
import type { FidoRuntime } from './runtime.js';

/** How long a press counts for the next U2F request. */
const TOUCH_VALID_MS = 10_000;
const EMPTY = new Uint8Array(0);

function status(word: number): Uint8Array {
  return encodeU2fResponse(EMPTY, word);
}

/** True if a recent press is there to use; otherwise starts a button wait (once) and returns false. */
function consumeTouch(runtime: FidoRuntime, reason: string): boolean {
  const volatile = runtime.volatile;
  if (volatile.u2fTouchAtMs !== undefined && runtime.nowMs() - volatile.u2fTouchAtMs <= TOUCH_VALID_MS) {
    volatile.u2fTouchAtMs = undefined;
    return true;
  }
  if (!volatile.u2fTouchPending) {
    volatile.u2fTouchPending = true;
    void runtime.requestPresence(reason).then((pressed) => {
      volatile.u2fTouchPending = false;
      if (pressed) volatile.u2fTouchAtMs = runtime.nowMs();
    });
  }
  return false;
}

function counterBytes(count: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, count >>> 0);
  return out;
}

async function register(runtime: FidoRuntime, data: Uint8Array): Promise<Uint8Array> {
  if (data.length !== 64) return status(U2fStatusWord.WRONG_LENGTH);
  const challenge = data.subarray(0, 32);
  const application = data.subarray(32, 64);
  if (!consumeTouch(runtime, 'U2F register')) return status(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
  const { id, key } = newCredentialId(
    runtime.state().masterSecret,
    application,
    { alg: CoseAlgorithm.ES256, discoverable: false, credProtect: 1, hmacSecret: false },
    runtime.randomBytes(16),
  );
  const publicKey = await key.publicKey();
  const signature = await runtime.signer.p256(runtime.attestation.privateKey, concatBytes(new Uint8Array([0]), application, challenge, id, publicKey));
  const certificate = (await runtime.attestation.certificates())[0] as Uint8Array;
  const body = concatBytes(new Uint8Array([U2F_REGISTER_ID]), publicKey, new Uint8Array([id.length]), id, certificate, signature);
  return encodeU2fResponse(body, U2fStatusWord.NO_ERROR);
}

async function authenticate(runtime: FidoRuntime, mode: number, data: Uint8Array): Promise<Uint8Array> {
  if (data.length < 65 || data.length !== 65 + (data[64] as number)) return status(U2fStatusWord.WRONG_LENGTH);
  const challenge = data.subarray(0, 32);
  const application = data.subarray(32, 64);
  // A CTAP credential answers too (CTAP 2.1 §11.2.9.1), but only while it is on the key, and never one whose
  // credProtect level demands user verification, which U2F cannot give (§12.1).
  const key = liveCredential(runtime.state(), application, data.subarray(65));
  if (key === undefined || key.alg !== CoseAlgorithm.ES256 || key.credProtect === CredProtect.userVerificationRequired) return status(U2fStatusWord.WRONG_DATA);
  if (mode === U2fAuthenticateMode.CHECK_ONLY) return status(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
  if (mode !== U2fAuthenticateMode.ENFORCE_USER_PRESENCE && mode !== U2fAuthenticateMode.DONT_ENFORCE_USER_PRESENCE) return status(U2fStatusWord.WRONG_DATA);
  const present = mode === U2fAuthenticateMode.ENFORCE_USER_PRESENCE;
  if (present && !consumeTouch(runtime, 'U2F authenticate')) return status(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
  const state = runtime.state();
  const signCount = state.signCount + 1;
  await runtime.commit({ ...state, signCount });
  const flags = new Uint8Array([present ? 1 : 0]);
  const counter = counterBytes(signCount);
  const signature = await runtime.signer.p256(key.privateKey, concatBytes(application, flags, counter, challenge));
  return encodeU2fResponse(concatBytes(flags, counter, signature), U2fStatusWord.NO_ERROR);
}

/** Answers one U2F request APDU; never throws for bad input. */
export async function u2fRequest(runtime: FidoRuntime, apdu: Uint8Array): Promise<Uint8Array> {
  const request = decodeU2fRequest(apdu);
  if (request === undefined) return status(U2fStatusWord.WRONG_LENGTH);
  if (request.cla !== 0) return status(U2fStatusWord.CLA_NOT_SUPPORTED);
  switch (request.ins) {
    case U2fInstruction.REGISTER:
      return register(runtime, request.data);
    case U2fInstruction.AUTHENTICATE:
      return authenticate(runtime, request.p1, request.data);
    case U2fInstruction.VERSION:
      return request.data.length === 0 ? encodeU2fResponse(new TextEncoder().encode(U2F_VERSION), U2fStatusWord.NO_ERROR) : status(U2fStatusWord.WRONG_LENGTH);
    default:
      return status(U2fStatusWord.INS_NOT_SUPPORTED);
  }
}
