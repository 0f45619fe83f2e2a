import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOtpApi, hmacBackendFromFunction, nobleHmacBackend, totpStep, type HmacBackend, type OtpAlgorithm } from '../src/otp/index.js';
import { bindNodeHmacKey, nodeHmac, nodeHmacBackend } from '../src/otp/hmac-node.js';

// The values of RFC 4226 Appendix D and RFC 6238 Appendix B (docs/protocol.md §7.1, §7.2), kept once in the repository.
interface HotpVectors {
  algorithm: OtpAlgorithm;
  digits: 6;
  secretHex: string;
  vectors: { counter: number; code: string }[];
}
interface TotpVectors {
  t0: number;
  period: number;
  digits: 8;
  secrets: Record<OtpAlgorithm, { hex: string }>;
  vectors: { time: number; algorithm: OtpAlgorithm; code: string; step: number }[];
}
const readVectors = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../packages/conformance/vectors/${name}`, import.meta.url), 'utf8')) as T;
const hotpVectors = readVectors<HotpVectors>('rfc4226-hotp.json');
const totpVectors = readVectors<TotpVectors>('rfc6238-totp.json');
const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

const backends: [string, HmacBackend][] = [
  ['node (production mix)', nodeHmacBackend],
  ['noble', nobleHmacBackend],
  ['node:crypto only', { hmac: nodeHmac, bindKey: bindNodeHmacKey }],
  ['plain function', hmacBackendFromFunction(nodeHmac)],
];

describe.each(backends)('RFC test vectors with the %s HMAC backend', (_name, backend) => {
  const api = createOtpApi(backend);

  it('has vectors to check', () => {
    expect(hotpVectors.vectors).toHaveLength(10);
    expect(totpVectors.vectors.length).toBeGreaterThanOrEqual(18);
  });

  it('computes every RFC 4226 Appendix D HOTP value, one-shot and with an engine', () => {
    const secret = fromHex(hotpVectors.secretHex);
    const engine = api.createOtpEngine(secret, { algorithm: hotpVectors.algorithm, digits: hotpVectors.digits });
    for (const { counter, code } of hotpVectors.vectors) {
      expect(api.hotp(secret, counter, { algorithm: hotpVectors.algorithm, digits: hotpVectors.digits })).toBe(code);
      expect(engine.hotp(counter)).toBe(code);
      expect(engine.hotp(BigInt(counter))).toBe(code);
    }
  });

  it('computes every RFC 6238 Appendix B TOTP value and time step, one-shot and with an engine', () => {
    const { period, t0, digits } = totpVectors;
    for (const { time, algorithm, code, step } of totpVectors.vectors) {
      const secret = fromHex(totpVectors.secrets[algorithm].hex);
      expect(totpStep(time, period, t0)).toBe(step);
      expect(api.totp(secret, time, { algorithm, digits, period, t0 })).toBe(code);
      expect(api.createOtpEngine(secret, { algorithm, digits, period, t0 }).totp(time)).toBe(code);
      expect(api.hotp(secret, step, { algorithm, digits })).toBe(code);
    }
  });
});
