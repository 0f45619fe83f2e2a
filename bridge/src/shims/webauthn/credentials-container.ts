/**
 * navigator.credentials for public-key credentials (WebAuthn L3 §5.1.3 create, §5.1.4 get), in Chrome's order:
 * options converted (TypeError), an already aborted signal (its reason), the caller's origin and RP ID
 * (NotAllowedError, SecurityError), a cross-origin frame's Permissions Policy and, for create, its user activation
 * (NotAllowedError), algorithms (NotSupportedError), then the ceremony over every key.
 */
import { domError } from '../dom.js';
import { authenticate } from './authenticate.js';
import { runCeremony } from './ceremony.js';
import { collectClientData } from './client-data.js';
import type { ShimPublicKeyCredential } from './credential.js';
import { algorithmUnsupported, notAllowed, notSupported } from './errors.js';
import { assertFeatureAllowed, frameContext } from './frame.js';
import { creationOptions, requestOptions } from './options.js';
import { callerOrigin, relyingPartyId } from './origin.js';
import { register } from './register.js';
import { ceremonyTimeout } from './timeout.js';
import type { PinPrompt, WebAuthnShimOptions } from './types.js';

/** ES256 and RS256: the defaults WebAuthn L3 §5.1.3 step 10 puts in place of an empty pubKeyCredParams. */
const DEFAULT_ALGORITHMS = [-7, -257];

/** window.prompt where there is one (a page), else a cancel: no PIN is ever asked for where nobody can answer. */
const defaultPrompt: PinPrompt = async ({ rpId, retries, retry }) => {
  const ask = (globalThis as { prompt?: (message: string) => string | null }).prompt;
  if (typeof ask !== 'function') return undefined;
  const again = retry ? 'Wrong PIN. ' : '';
  return ask(`${again}Enter the PIN of your security key to continue to ${rpId} (${retries} tries left).`) ?? undefined;
};

export class ShimCredentialsContainer {
  readonly #options: WebAuthnShimOptions;
  #pending = false;

  constructor(options: WebAuthnShimOptions) {
    this.#options = options;
  }

  async create(options?: unknown): Promise<ShimPublicKeyCredential> {
    const { publicKey, signal } = creationOptions(options);
    if (signal?.aborted) throw signal.reason;
    const caller = callerOrigin(this.origin);
    const rpId = relyingPartyId(caller, publicKey.rp.id);
    const frame = frameContext(caller.origin);
    assertFeatureAllowed('publickey-credentials-create', frame);
    // WebAuthn L3 §5.1.3 step 2: a cross-origin frame creates credentials only with transient activation.
    this.assertActivation(frame.crossOrigin);
    const params = publicKey.pubKeyCredParams.filter((param) => param.type === 'public-key');
    if (publicKey.pubKeyCredParams.length > 0 && params.length === 0) throw algorithmUnsupported();
    const algorithms = params.length === 0 ? DEFAULT_ALGORITHMS : [...new Set(params.map((param) => param.alg))];
    const clientData = await collectClientData('webauthn.create', publicKey.challenge, caller.origin, frame);
    return this.exclusive(() =>
      runCeremony({
        source: this.#options.source,
        timeoutMs: ceremonyTimeout(publicKey.timeout, this.#options.timeouts),
        ...(signal === undefined ? {} : { signal }),
        attempt: (link, key) => register(link, key, { rpId, options: publicKey, algorithms, clientData, prompt: this.prompt }),
      }),
    );
  }

  async get(options?: unknown): Promise<ShimPublicKeyCredential> {
    const { publicKey, signal, mediation } = requestOptions(options);
    if (signal?.aborted) throw signal.reason;
    const caller = callerOrigin(this.origin);
    const rpId = relyingPartyId(caller, publicKey.rpId);
    // No autofill UI to offer passkeys in: a conditional request waits, as Chrome's does with nothing to show, until aborted.
    if (mediation === 'conditional') return untilAborted(signal);
    const frame = frameContext(caller.origin);
    assertFeatureAllowed('publickey-credentials-get', frame);
    this.assertActivation();
    const clientData = await collectClientData('webauthn.get', publicKey.challenge, caller.origin, frame);
    return this.exclusive(() =>
      runCeremony({
        source: this.#options.source,
        timeoutMs: ceremonyTimeout(publicKey.timeout, this.#options.timeouts),
        ...(signal === undefined ? {} : { signal }),
        attempt: (link, key) => authenticate(link, key, { rpId, options: publicKey, clientData, prompt: this.prompt }),
      }),
    );
  }

  /** Password and federated credentials are not the shim's business. */
  async store(): Promise<never> {
    throw notSupported('Store operation not permitted for this credential type.');
  }

  async preventSilentAccess(): Promise<void> {}

  get [Symbol.toStringTag](): string {
    return 'CredentialsContainer';
  }

  private get origin(): string | undefined {
    return this.#options.origin ?? (globalThis as { location?: { origin?: string } }).location?.origin;
  }

  private get prompt(): PinPrompt {
    return this.#options.pin ?? defaultPrompt;
  }

  private assertActivation(required = false): void {
    if (this.#options.requireUserActivation !== true && !required) return;
    const activation = (globalThis.navigator as (Navigator & { userActivation?: { isActive: boolean } }) | undefined)?.userActivation;
    if (activation !== undefined && !activation.isActive) throw notAllowed();
  }

  /** One ceremony at a time per page, as Chrome's "A request is already pending." */
  private async exclusive<T>(ceremony: () => Promise<T>): Promise<T> {
    if (this.#pending) throw domError('OperationError', 'A request is already pending.');
    this.#pending = true;
    try {
      return await ceremony();
    } finally {
      this.#pending = false;
    }
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
}
