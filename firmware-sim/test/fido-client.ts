/**
 * The platform side of CTAP for tests (docs/protocol.md §9): requests built with the protocol's codec, responses
 * split into status and map, and ClientPIN with PIN/UV auth protocol 1 or 2 done as a host does it (key agreement,
 * encrypted PINs, pinUvAuthTokens, pinUvAuthParams), with the shared primitives of @hkey/protocol.
 */
import {
  ClientPinKey,
  ClientPinResponseKey,
  ClientPinSubCommand,
  CoseAlgorithm,
  CtapCommand,
  type CtapMap,
  type CtapValue,
  GetAssertionKey,
  MakeCredentialKey,
  coseEc2Key,
  cosePublicKeyBytes,
  ctapMap,
  decodeCtap,
  encodeCtap,
  p256PrivateKey,
  p256PublicKey,
  pinProtocol,
  sha256,
} from '@hkey/protocol';
import {
  type KeySession,
  ManualClock,
  MemoryStore,
  type PresenceOutcome,
  type PresenceSource,
  type StateStore,
  VirtualKey,
  seededRandom,
} from '@hkey/firmware-sim';

export interface CtapAnswer {
  readonly status: number;
  /** The response map; empty when the key answered the status byte alone. */
  readonly body: CtapMap;
  readonly bytes: Uint8Array;
}

const utf8 = new TextEncoder();

export function ctapRequest(command: number, params?: CtapMap): Uint8Array {
  if (params === undefined) return new Uint8Array([command]);
  return new Uint8Array([command, ...encodeCtap(params)]);
}

export function splitAnswer(bytes: Uint8Array): CtapAnswer {
  const status = bytes[0];
  if (status === undefined) throw new Error('empty CTAP response');
  const value = bytes.length > 1 ? decodeCtap(bytes.subarray(1)) : new Map();
  if (!(value instanceof Map)) throw new Error('the CTAP response is not a map');
  return { status, body: value, bytes };
}

export const clientDataHash = (label: string): Uint8Array => sha256(utf8.encode(`client data ${label}`));

export function descriptor(id: Uint8Array): CtapMap {
  return new Map<string, CtapValue>([
    ['id', id],
    ['type', 'public-key'],
  ]);
}

export interface MakeCredentialOptions {
  readonly rpId?: string;
  readonly userId?: Uint8Array;
  readonly userName?: string;
  readonly rk?: boolean;
  readonly excludeList?: readonly Uint8Array[];
  readonly extensions?: CtapMap;
  readonly alg?: number;
  readonly hash?: Uint8Array;
}

export function makeCredentialParams(options: MakeCredentialOptions = {}): CtapMap {
  return ctapMap([
    [MakeCredentialKey.clientDataHash, options.hash ?? clientDataHash('register')],
    [
      MakeCredentialKey.rp,
      ctapMap([
        ['id', options.rpId ?? 'example.com'],
        ['name', 'Example'],
      ]),
    ],
    [
      MakeCredentialKey.user,
      ctapMap([
        ['id', options.userId ?? utf8.encode('user-1')],
        ['name', options.userName ?? 'alice'],
        ['displayName', 'Alice'],
      ]),
    ],
    [
      MakeCredentialKey.pubKeyCredParams,
      [
        ctapMap([
          ['alg', options.alg ?? CoseAlgorithm.ES256],
          ['type', 'public-key'],
        ]),
      ],
    ],
    [MakeCredentialKey.excludeList, options.excludeList && options.excludeList.map(descriptor)],
    [MakeCredentialKey.extensions, options.extensions],
    [MakeCredentialKey.options, options.rk === undefined ? undefined : ctapMap([['rk', options.rk]])],
  ]);
}

export interface GetAssertionOptions {
  readonly rpId?: string;
  readonly allowList?: readonly Uint8Array[];
  readonly up?: boolean;
  readonly hash?: Uint8Array;
}

export function getAssertionParams(options: GetAssertionOptions = {}): CtapMap {
  return ctapMap([
    [GetAssertionKey.rpId, options.rpId ?? 'example.com'],
    [GetAssertionKey.clientDataHash, options.hash ?? clientDataHash('login')],
    [GetAssertionKey.allowList, options.allowList && options.allowList.map(descriptor)],
    [GetAssertionKey.options, options.up === undefined ? undefined : ctapMap([['up', options.up]])],
  ]);
}

/** 64 bytes: the PIN's UTF-8 then zeros (CTAP 2.1 §6.5.5.5 paddedNewPin). */
export function paddedPin(pin: string | Uint8Array): Uint8Array {
  const bytes = typeof pin === 'string' ? utf8.encode(pin) : pin;
  const out = new Uint8Array(Math.max(64, bytes.length));
  out.set(bytes);
  return out;
}

export function pinHash(pin: string): Uint8Array {
  return sha256(utf8.encode(pin)).slice(0, 16);
}

/** A CTAP host on one key session. */
export class FidoClient {
  private platformSeed = 1;

  constructor(
    readonly session: KeySession,
    readonly protocolVersion: 1 | 2 = 2,
  ) {}

  get protocol() {
    const protocol = pinProtocol(this.protocolVersion);
    if (protocol === undefined) throw new Error('no such PIN protocol');
    return protocol;
  }

  async send(request: Uint8Array): Promise<CtapAnswer> {
    const bytes = await this.session.ctap(request);
    if (bytes === undefined) throw new Error('the key lost power');
    return splitAnswer(bytes);
  }

  call(command: number, params?: CtapMap): Promise<CtapAnswer> {
    return this.send(ctapRequest(command, params));
  }

  async status(command: number, params?: CtapMap): Promise<number> {
    return (await this.call(command, params)).status;
  }

  getInfo(): Promise<CtapAnswer> {
    return this.call(CtapCommand.GetInfo);
  }

  makeCredential(options: MakeCredentialOptions = {}, uv?: { token: Uint8Array }): Promise<CtapAnswer> {
    const params = makeCredentialParams(options);
    if (uv)
      this.authorize(
        params,
        uv.token,
        params.get(MakeCredentialKey.clientDataHash) as Uint8Array,
        MakeCredentialKey.pinUvAuthParam,
        MakeCredentialKey.pinUvAuthProtocol,
      );
    return this.call(CtapCommand.MakeCredential, params);
  }

  getAssertion(options: GetAssertionOptions = {}, uv?: { token: Uint8Array }): Promise<CtapAnswer> {
    const params = getAssertionParams(options);
    if (uv)
      this.authorize(
        params,
        uv.token,
        params.get(GetAssertionKey.clientDataHash) as Uint8Array,
        GetAssertionKey.pinUvAuthParam,
        GetAssertionKey.pinUvAuthProtocol,
      );
    return this.call(CtapCommand.GetAssertion, params);
  }

  /** Adds pinUvAuthParam = authenticate(token, clientDataHash) and the protocol to a request map. */
  authorize(params: CtapMap, token: Uint8Array, message: Uint8Array, paramKey: number, protocolKey: number): void {
    params.set(paramKey, this.protocol.authenticate(token, message));
    params.set(protocolKey, this.protocolVersion);
  }

  /** getKeyAgreement, then a fresh platform key and the shared secret with the key's. */
  async agree(): Promise<{ platformKey: CtapMap; sharedSecret: Uint8Array }> {
    const answer = await this.call(
      CtapCommand.ClientPIN,
      ctapMap([
        [ClientPinKey.pinUvAuthProtocol, this.protocolVersion],
        [ClientPinKey.subCommand, ClientPinSubCommand.getKeyAgreement],
      ]),
    );
    if (answer.status !== 0) throw new Error(`getKeyAgreement answered 0x${answer.status.toString(16)}`);
    const authenticatorKey = cosePublicKeyBytes(answer.body.get(ClientPinResponseKey.keyAgreement) as CtapMap).publicKey;
    const seed = new Uint8Array(48).fill(this.platformSeed++);
    const privateKey = p256PrivateKey(seed);
    const publicKey = await p256PublicKey(privateKey);
    return {
      platformKey: coseEc2Key(publicKey.slice(1, 33), publicKey.slice(33), CoseAlgorithm.ECDH_ES_HKDF_256),
      sharedSecret: await this.protocol.sharedSecret(privateKey, authenticatorKey),
    };
  }

  private iv(): Uint8Array {
    return new Uint8Array(16).fill(this.platformSeed);
  }

  async setPin(pin: string | Uint8Array): Promise<number> {
    const { platformKey, sharedSecret } = await this.agree();
    const newPinEnc = await this.protocol.encrypt(sharedSecret, paddedPin(pin), this.iv());
    return this.status(
      CtapCommand.ClientPIN,
      ctapMap([
        [ClientPinKey.pinUvAuthProtocol, this.protocolVersion],
        [ClientPinKey.subCommand, ClientPinSubCommand.setPIN],
        [ClientPinKey.keyAgreement, platformKey],
        [ClientPinKey.pinUvAuthParam, this.protocol.authenticate(sharedSecret, newPinEnc)],
        [ClientPinKey.newPinEnc, newPinEnc],
      ]),
    );
  }

  async changePin(current: string, next: string | Uint8Array): Promise<number> {
    const { platformKey, sharedSecret } = await this.agree();
    const newPinEnc = await this.protocol.encrypt(sharedSecret, paddedPin(next), this.iv());
    const pinHashEnc = await this.protocol.encrypt(sharedSecret, pinHash(current), this.iv());
    const message = new Uint8Array([...newPinEnc, ...pinHashEnc]);
    return this.status(
      CtapCommand.ClientPIN,
      ctapMap([
        [ClientPinKey.pinUvAuthProtocol, this.protocolVersion],
        [ClientPinKey.subCommand, ClientPinSubCommand.changePIN],
        [ClientPinKey.keyAgreement, platformKey],
        [ClientPinKey.pinUvAuthParam, this.protocol.authenticate(sharedSecret, message)],
        [ClientPinKey.newPinEnc, newPinEnc],
        [ClientPinKey.pinHashEnc, pinHashEnc],
      ]),
    );
  }

  /** A pinUvAuthToken (subcommand 0x09 with permissions, or 0x05 without); `token` only when the status is OK. */
  async pinToken(pin: string, request: { permissions?: number; rpId?: string } = {}): Promise<{ status: number; token?: Uint8Array }> {
    const { platformKey, sharedSecret } = await this.agree();
    const withPermissions = request.permissions !== undefined;
    const answer = await this.call(
      CtapCommand.ClientPIN,
      ctapMap([
        [ClientPinKey.pinUvAuthProtocol, this.protocolVersion],
        [ClientPinKey.subCommand, withPermissions ? ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions : ClientPinSubCommand.getPinToken],
        [ClientPinKey.keyAgreement, platformKey],
        [ClientPinKey.pinHashEnc, await this.protocol.encrypt(sharedSecret, pinHash(pin), this.iv())],
        [ClientPinKey.permissions, request.permissions],
        [ClientPinKey.rpId, request.rpId],
      ]),
    );
    if (answer.status !== 0) return { status: answer.status };
    const token = await this.protocol.decrypt(sharedSecret, answer.body.get(ClientPinResponseKey.pinUvAuthToken) as Uint8Array);
    return { status: 0, token };
  }

  async pinRetries(): Promise<{ retries: number; powerCycleState: boolean }> {
    const answer = await this.call(CtapCommand.ClientPIN, ctapMap([[ClientPinKey.subCommand, ClientPinSubCommand.getPINRetries]]));
    return {
      retries: answer.body.get(ClientPinResponseKey.pinRetries) as number,
      powerCycleState: answer.body.get(ClientPinResponseKey.powerCycleState) as boolean,
    };
  }
}

/** A button whose next answers a test sets; 'approved' when nothing is queued. */
export class QueuedPresence implements PresenceSource {
  readonly queue: PresenceOutcome[] = [];
  asked = 0;

  async request(): Promise<PresenceOutcome> {
    this.asked++;
    return this.queue.shift() ?? 'approved';
  }
}

export interface FidoKey {
  readonly key: VirtualKey;
  readonly clock: ManualClock;
  readonly store: StateStore;
  readonly presence: PresenceSource;
  client: FidoClient;
  /** Unplugs and replugs the key; the client moves to a new session. */
  powerCycle(): Promise<void>;
}

export const FIDO_START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

export async function startFidoKey(
  options: { store?: StateStore; presence?: PresenceSource; storageTotal?: number; protocol?: 1 | 2; clock?: ManualClock } = {},
): Promise<FidoKey> {
  const clock = options.clock ?? new ManualClock(FIDO_START_MS);
  const store = options.store ?? new MemoryStore();
  const presence = options.presence ?? new QueuedPresence();
  const key = await VirtualKey.start({ clock, store, presence, random: seededRandom(11), storageTotal: options.storageTotal });
  const fido: FidoKey = {
    key,
    clock,
    store,
    presence,
    client: new FidoClient(key.openSession('virtual'), options.protocol ?? 2),
    async powerCycle() {
      await key.powerCycle();
      fido.client = new FidoClient(key.openSession('virtual'), fido.client.protocolVersion);
    },
  };
  return fido;
}
