/** Randomness for the device core, injected so faults, CIDs and salts can be reproduced from a seed. */
export interface RandomSource {
  fill(target: Uint8Array): Uint8Array;
}

export const cryptoRandom: RandomSource = {
  fill(target) {
    // getRandomValues accepts at most 65536 bytes per call.
    for (let offset = 0; offset < target.length; offset += 65536) {
      globalThis.crypto.getRandomValues(target.subarray(offset, offset + 65536));
    }
    return target;
  },
};

/**
 * A small deterministic generator (xorshift128+ seeded through splitmix64) for reproducible simulations.
 * Not for secrets: a seeded device is for tests.
 */
export function seededRandom(seed: number): RandomSource & { nextFloat(): number } {
  let s0 = 0n;
  let s1 = 0n;
  const mask = 0xffff_ffff_ffff_ffffn;
  let x = BigInt(seed >>> 0) | (BigInt(Math.floor(seed / 2 ** 32) >>> 0) << 32n);
  const splitmix = (): bigint => {
    x = (x + 0x9e37_79b9_7f4a_7c15n) & mask;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58_476d_1ce4_e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d0_49bb_1331_11ebn) & mask;
    return z ^ (z >> 31n);
  };
  s0 = splitmix();
  s1 = splitmix();
  const next = (): bigint => {
    let a = s0;
    const b = s1;
    s0 = b;
    a ^= (a << 23n) & mask;
    s1 = a ^ b ^ (a >> 17n) ^ (b >> 26n);
    return (s1 + b) & mask;
  };
  return {
    fill(target) {
      for (let i = 0; i < target.length; i += 8) {
        let value = next();
        for (let j = i; j < Math.min(i + 8, target.length); j++) {
          target[j] = Number(value & 0xffn);
          value >>= 8n;
        }
      }
      return target;
    },
    nextFloat() {
      return Number(next() >> 11n) / 2 ** 53;
    },
  };
}
