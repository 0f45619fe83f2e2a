import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { HmacBackend, HmacFunction, HmacKeyBinder } from './hmac.js';

const HASHES = { SHA1: sha1, SHA256: sha256, SHA512: sha512 } as const;

/** Pure-JavaScript HMAC for the browser entry and any runtime without node:crypto. */
export const nobleHmac: HmacFunction = (algorithm, key, message) => hmac(HASHES[algorithm], key, message);

/**
 * Absorbs the key's inner and outer pad blocks once and clones those midstates per message, so an 8-byte HOTP
 * message costs two compressions instead of four, with no allocation after the first call.
 */
export const bindNobleHmacKey: HmacKeyBinder = (algorithm, key) => {
  const keyed = hmac.create(HASHES[algorithm], key);
  const mac = new Uint8Array(keyed.outputLen);
  let scratch: typeof keyed | undefined;
  return (message) => {
    // _cloneInto reuses the previous clone's buffers; noble's typings drop its TRet<> wrapper, hence the cast.
    const state = keyed._cloneInto(scratch) as typeof keyed;
    scratch = state;
    state.update(message).digestInto(mac);
    return mac;
  };
};

export const nobleHmacBackend: HmacBackend = { hmac: nobleHmac, bindKey: bindNobleHmacKey };
