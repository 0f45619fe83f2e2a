/**
 * One CTAP2 or U2F request over a transport's FIDO capability: encodes the request, follows the key's keepalives,
 * decodes the answer strictly. A status other than OK throws CtapError; a malformed answer throws TransportError
 * PROTOCOL_VIOLATION, since it says the key or the link is broken rather than that the request was refused.
 */
import { CtapStatus, type CtapMap, decodeCtap, encodeCtap, HkeyError } from '@hkey/protocol';
import { TransportError } from '../errors.js';
import { type CallOptions, exchangeOptions } from '../call-options.js';
import type { ExchangeOptions, FidoExchange, Transport } from '../transport.js';
import { ctapStatusError, fidoUnsupported } from './fido-errors.js';

/** FIDO calls take the same options as HKP calls. */
export type FidoCallOptions = CallOptions;

/** A malformed answer: never the key's refusal, always a broken key or link. */
function malformed(cause: unknown): TransportError {
  return new TransportError('PROTOCOL_VIOLATION', {
    cause,
    message: 'The security key sent a malformed CTAP response; reconnect it, and report the problem if it persists.',
  });
}

export class CtapChannel {
  private readonly fido: FidoExchange;

  constructor(transport: Transport) {
    if (transport.fido === undefined) throw fidoUnsupported();
    this.fido = transport.fido;
  }

  /** Sends command `command` with `params` and reads the result map with `decode` (which may throw CtapError on bad members). */
  async cbor<T>(command: number, params: CtapMap | undefined, decode: (result: CtapMap) => T, options: FidoCallOptions = {}): Promise<T> {
    const body = params === undefined ? new Uint8Array(0) : encodeCtap(params);
    const request = new Uint8Array(1 + body.length);
    request[0] = command;
    request.set(body, 1);
    const response = await this.fido.cbor(request, exchangeOptions(options));
    const status = response[0];
    if (status === undefined) throw malformed(undefined);
    if (status !== CtapStatus.OK) throw ctapStatusError(status);
    try {
      const value = response.length > 1 ? decodeCtap(response.subarray(1)) : new Map();
      if (!(value instanceof Map)) throw malformed(undefined);
      return decode(value);
    } catch (error) {
      if (error instanceof HkeyError && !(error instanceof TransportError)) throw malformed(error);
      throw error;
    }
  }

  /** Sends one U2F command APDU; resolves with the response data and its status word. */
  async msg(apdu: Uint8Array, options: ExchangeOptions = {}): Promise<{ data: Uint8Array; statusWord: number }> {
    const response = await this.fido.msg(apdu, options);
    if (response.length < 2) throw malformed(undefined);
    const statusWord = ((response[response.length - 2] as number) << 8) | (response[response.length - 1] as number);
    return { data: response.slice(0, -2), statusWord };
  }
}
