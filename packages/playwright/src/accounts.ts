/** Work done on a key in the test process through its HKP and CTAP interfaces, as a host program would. */
import { FidoClient, KeyClient, openVirtualTransport } from '@hkey/bridge';
import { type VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { decodeBase32, encodeBase32 } from '@hkey/protocol';
import { randomBytes } from 'node:crypto';
import { HkeyFixtureError } from './errors.js';
import type { AccountSpec, AddedAccount } from './key-handle.js';

async function withTransport<T>(key: VirtualKey, work: (transport: Awaited<ReturnType<typeof openVirtualTransport>>) => Promise<T>): Promise<T> {
  const transport = await openVirtualTransport(connectInProcess(key));
  try {
    return await work(transport);
  } finally {
    await transport.close();
  }
}

function secretBytes(secret: AccountSpec['secret']): Uint8Array {
  if (secret === undefined) return new Uint8Array(randomBytes(20));
  if (secret instanceof Uint8Array) return secret;
  try {
    return decodeBase32(secret);
  } catch (error) {
    throw new HkeyFixtureError('BAD_ACCOUNT_SECRET', 'The account secret must be base32 text or bytes.', { cause: error });
  }
}

export async function addAccount(key: VirtualKey, spec: AccountSpec): Promise<AddedAccount> {
  const secret = secretBytes(spec.secret);
  const kind = spec.kind ?? 'TOTP';
  const otp = { secret, kind, digits: spec.digits, ...(kind === 'TOTP' ? { period: spec.period } : {}) };
  const { id } = await withTransport(key, (transport) =>
    new KeyClient(transport).createAccount({ name: spec.name, login: spec.login, password: spec.password, otp }),
  );
  return { id, name: spec.name, secret: encodeBase32(secret) };
}

/** The key's FIDO PIN (ClientPIN setPin), which user-verifying ceremonies then ask for. */
export async function setFidoPin(key: VirtualKey, pin: string): Promise<void> {
  await withTransport(key, (transport) => new FidoClient(transport).clientPin.setPin(pin));
}
