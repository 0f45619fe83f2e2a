import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindNobleHmacKey, nobleHmac, OTP_ALGORITHMS, type HmacKeyBinder } from '../src/otp/index.js';
import { bindNodeHmacKey, nodeHmac, nodeHmacBackend } from '../src/otp/hmac-node.js';

const reference = (algorithm: string, key: Uint8Array, message: Uint8Array): string => createHmac(algorithm.toLowerCase(), key).update(message).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const algorithm = fc.constantFrom(...OTP_ALGORITHMS);
// Keys longer than the 64/128-byte block take RFC 2104's hash-the-key branch.
const key = fc.uint8Array({ maxLength: 200 });
const messages = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 6 });

describe('HMAC backends agree with node:crypto createHmac', () => {
  it('one-shot node and noble functions', () => {
    fc.assert(
      fc.property(algorithm, key, fc.uint8Array({ maxLength: 300 }), (alg, k, message) => {
        const expected = reference(alg, k, message);
        expect(hex(nodeHmac(alg, k, message))).toBe(expected);
        expect(hex(nobleHmac(alg, k, message))).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it.each<[string, HmacKeyBinder]>([
    ['node:crypto', bindNodeHmacKey],
    ['noble', bindNobleHmacKey],
    ['node production mix', nodeHmacBackend.bindKey],
  ])('keyed %s binder over a sequence of messages of changing lengths', (_name, bind) => {
    fc.assert(
      fc.property(algorithm, key, messages, (alg, k, sequence) => {
        const mac = bind(alg, k);
        for (const message of sequence) expect(hex(mac(message))).toBe(reference(alg, k, message));
      }),
      { numRuns: 150 },
    );
  });

  it('keyed binders copy the key, so later changes to the caller’s array do not matter', () => {
    for (const bind of [bindNodeHmacKey, bindNobleHmacKey]) {
      const k = new Uint8Array(20).fill(7);
      const mac = bind('SHA1', k);
      k.fill(0);
      expect(hex(mac(new Uint8Array(8)))).toBe(reference('SHA1', new Uint8Array(20).fill(7), new Uint8Array(8)));
    }
  });
});
