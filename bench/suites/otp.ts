/** The device's OTP engine against raw node:crypto HOTP and otplib. */
import { createHmac } from 'node:crypto';
import { generateSync } from 'otplib';
import { createOtpEngine } from '@hkey/protocol';
import type { Comparison } from '../harness.js';

const SECRET = new TextEncoder().encode('12345678901234567890');

/** RFC 4226 HOTP written directly on createHmac: the floor any engine is measured against. */
function rawHotp(counter: number): string {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  message.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac('sha1', SECRET).update(message).digest();
  const offset = (mac[19] as number) & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

export function otpComparisons(): Comparison[] {
  const engine = createOtpEngine(SECRET);
  let a = 0;
  let b = 0;
  let c = 0;
  const subject = { name: 'createOtpEngine().hotp', run: () => engine.hotp(a++) };
  return [
    { benchmark: 'HOTP SHA1 6 digits', subject, reference: { name: 'raw createHmac HOTP', run: () => rawHotp(b++) }, target: 0.7 },
    {
      benchmark: 'HOTP SHA1 6 digits',
      subject,
      reference: { name: 'otplib generateSync (hotp)', run: () => generateSync({ secret: SECRET, strategy: 'hotp', counter: c++ }) },
      target: 2,
    },
  ];
}
