import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hotp, totp } from '@hkey/protocol';

// otplib, spied on (and made to disagree on demand) to see when the independent check runs.
const otplib = vi.hoisted(() => ({ calls: 0, disagree: false }));
vi.mock('otplib', async (importOriginal) => {
  const actual = await importOriginal<typeof import('otplib')>();
  return {
    ...actual,
    verifySync: (options: Parameters<typeof actual.verifySync>[0]) => {
      otplib.calls++;
      return otplib.disagree ? { valid: false } : actual.verifySync(options);
    },
  };
});

// A fresh module per test: the shapes otplib confirmed are per process.
async function load(): Promise<typeof import('../src/otp-verify.js')> {
  vi.resetModules();
  return import('../src/otp-verify.js');
}

beforeEach(() => {
  otplib.calls = 0;
  otplib.disagree = false;
});

describe('otplib cross-check', () => {
  it('runs once per credential shape, while the engine checks every code', async () => {
    const { verifyTotp } = await load();
    const time = 1_700_000_000;
    for (let index = 0; index < 50; index++) {
      const secret = new Uint8Array(20).fill(index);
      expect(verifyTotp({ secret, token: totp(secret, time), time }).valid).toBe(true);
      // A wrong code of a confirmed shape is still refused, by the engine alone.
      expect(verifyTotp({ secret, token: totp(new Uint8Array(20).fill(index + 100), time), time }).valid).toBe(false);
    }
    expect(otplib.calls).toBe(1);
    // Another algorithm, digit count, period or secret length is another code path: otplib checks it once.
    const other = new Uint8Array(32).fill(1);
    verifyTotp({ secret: other, token: totp(other, time, { algorithm: 'SHA256', digits: 8 }), time, algorithm: 'SHA256', digits: 8 });
    verifyTotp({ secret: other, token: totp(other, time, { algorithm: 'SHA256', digits: 8 }), time, algorithm: 'SHA256', digits: 8 });
    const longer = new Uint8Array(21).fill(1);
    verifyTotp({ secret: longer, token: totp(longer, time), time });
    expect(otplib.calls).toBe(3);
  });

  it('refuses a code the engine accepts when otplib does not, and checks the shape again next time', async () => {
    const { verifyHotp } = await load();
    const secret = new Uint8Array(20).fill(7);
    otplib.disagree = true;
    expect(verifyHotp({ secret, token: hotp(secret, 3), counter: 3 })).toEqual({ valid: false });
    otplib.disagree = false;
    expect(verifyHotp({ secret, token: hotp(secret, 4), counter: 3, lookAhead: 2 })).toEqual({ valid: true, counter: 4 });
    expect(verifyHotp({ secret, token: hotp(secret, 5), counter: 5 })).toEqual({ valid: true, counter: 5 });
    expect(otplib.calls).toBe(2);
  });

  it('does not spend the check on codes the engine refuses', async () => {
    const { verifyHotp } = await load();
    const secret = new Uint8Array(20).fill(7);
    expect(verifyHotp({ secret, token: hotp(secret, 9), counter: 3 }).valid).toBe(false);
    expect(otplib.calls).toBe(0);
  });
});
