/**
 * The FIDO PIN (CTAP 2.1 §6.5): the PIN policy, retries spent and written before the comparison, eight tries then
 * blocked until Reset, three wrong in a row blocked until a power cycle, and pinUvAuthToken permissions and RP binding.
 */
import { describe, expect, test } from 'vitest';
import { CredentialManagementKey, CtapCommand, CtapStatus, PinPermission, ctapMap } from '@hkey/protocol';
import { FidoClient, type FidoKey, startFidoKey } from './fido-client.js';

const PIN = '482913';
const WRONG = '000000';

async function keyWithPin(pin = PIN): Promise<FidoKey> {
  const fido = await startFidoKey();
  expect(await fido.client.setPin(pin)).toBe(CtapStatus.OK);
  return fido;
}

async function tokenStatus(fido: FidoKey, pin: string): Promise<number> {
  return (await fido.client.pinToken(pin)).status;
}

describe('PIN policy (CTAP 2.1 §6.5.5.5)', () => {
  test('at least four code points: "123" and "€€€" (9 bytes) are refused, "1234" is taken', async () => {
    const fido = await startFidoKey();
    expect(await fido.client.setPin('123')).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(await fido.client.setPin('€€€')).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(fido.key.state.fido?.pin).toBeUndefined();
    expect(await fido.client.setPin('1234')).toBe(CtapStatus.OK);
    expect(await tokenStatus(fido, '1234')).toBe(CtapStatus.OK);
  });

  test('at most 63 bytes: 63 are taken and work, 64 (no zero left in the padding) are refused', async () => {
    const fido = await startFidoKey();
    expect(await fido.client.setPin('p'.repeat(64))).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(await fido.client.setPin('p'.repeat(63))).toBe(CtapStatus.OK);
    expect(await tokenStatus(fido, 'p'.repeat(63))).toBe(CtapStatus.OK);
  });

  test('padding must be zeros to the end, and the PIN UTF-8', async () => {
    const fido = await startFidoKey();
    expect(await fido.client.setPin(Uint8Array.from([0x31, 0x32, 0x33, 0x34, 0, 0x35]))).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(await fido.client.setPin(Uint8Array.from([0x31, 0x32, 0x33, 0xff]))).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(fido.key.state.fido?.pin).toBeUndefined();
  });

  test('a PIN is set once; changing it checks the old one and the policy', async () => {
    const fido = await keyWithPin();
    expect(await fido.client.setPin('99999999')).toBe(CtapStatus.NOT_ALLOWED);
    expect(await fido.client.changePin(WRONG, '55555555')).toBe(CtapStatus.PIN_INVALID);
    expect(await fido.client.changePin(PIN, '555')).toBe(CtapStatus.PIN_POLICY_VIOLATION);
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.OK);
    expect(await fido.client.changePin(PIN, '55555555')).toBe(CtapStatus.OK);
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.PIN_INVALID);
    expect(await tokenStatus(fido, '55555555')).toBe(CtapStatus.OK);
  });
});

describe('PIN retries (CTAP 2.1 §6.5.5.5)', () => {
  test('a try is written before the PIN is compared: a power cut after that write costs the try even for the right PIN', async () => {
    const fido = await keyWithPin();
    fido.key.flashFaults.schedule(1, 'power-cut-after-commit');
    await expect(fido.client.pinToken(PIN)).rejects.toThrow('the key lost power');
    await fido.powerCycle();
    expect((await fido.client.pinRetries()).retries).toBe(7);
    // The right PIN then refills them.
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.OK);
    expect((await fido.client.pinRetries()).retries).toBe(8);
  });

  test('when that write fails nothing is compared: a wrong PIN is not told apart, and no try is spent', async () => {
    const fido = await keyWithPin();
    fido.key.flashFaults.schedule(1, 'write-error');
    expect(await tokenStatus(fido, WRONG)).toBe(CtapStatus.OTHER);
    fido.key.flashFaults.schedule(1, 'power-cut-before-commit');
    await expect(fido.client.pinToken(WRONG)).rejects.toThrow('the key lost power');
    await fido.powerCycle();
    expect(await fido.client.pinRetries()).toEqual({ retries: 8, powerCycleState: false });
  });

  test('three wrong in a row block PIN entry, even the right PIN, until a power cycle', async () => {
    const fido = await keyWithPin();
    expect([await tokenStatus(fido, WRONG), await tokenStatus(fido, WRONG), await tokenStatus(fido, WRONG)]).toEqual([
      CtapStatus.PIN_INVALID,
      CtapStatus.PIN_INVALID,
      CtapStatus.PIN_AUTH_BLOCKED,
    ]);
    expect(await fido.client.pinRetries()).toEqual({ retries: 5, powerCycleState: true });
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.PIN_AUTH_BLOCKED);
    expect(await fido.client.changePin(PIN, '55555555')).toBe(CtapStatus.PIN_AUTH_BLOCKED);
    // Blocked attempts cost nothing.
    expect((await fido.client.pinRetries()).retries).toBe(5);
    // Another session of the same power cycle is blocked too.
    expect((await new FidoClient(fido.key.openSession('virtual')).pinToken(PIN)).status).toBe(CtapStatus.PIN_AUTH_BLOCKED);
    await fido.powerCycle();
    expect(await fido.client.pinRetries()).toEqual({ retries: 5, powerCycleState: false });
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.OK);
    expect((await fido.client.pinRetries()).retries).toBe(8);
  });

  test('eight wrong PINs block the PIN for good: power cycles do not help, Reset does', async () => {
    const fido = await keyWithPin();
    const answers: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      if (attempt > 0 && attempt % 3 === 0) await fido.powerCycle();
      answers.push(await tokenStatus(fido, WRONG));
    }
    const { PIN_INVALID: invalid, PIN_AUTH_BLOCKED: blocked } = CtapStatus;
    expect(answers).toEqual([invalid, invalid, blocked, invalid, invalid, blocked, invalid, CtapStatus.PIN_BLOCKED]);
    expect((await fido.client.pinRetries()).retries).toBe(0);
    await fido.powerCycle();
    expect(await tokenStatus(fido, PIN)).toBe(CtapStatus.PIN_BLOCKED);
    expect(await fido.client.changePin(PIN, '55555555')).toBe(CtapStatus.PIN_BLOCKED);
    expect(fido.key.state.fido?.pin?.retries).toBe(0);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.OK);
    expect(fido.key.state.fido?.pin).toBeUndefined();
    expect(await fido.client.setPin(PIN)).toBe(CtapStatus.OK);
  });
});

describe('pinUvAuthToken permissions and RP binding (CTAP 2.1 §6.5.5.7)', () => {
  test('a getAssertion token for one RP signs in there only: not elsewhere, and it makes no credentials', async () => {
    const fido = await keyWithPin();
    await fido.client.makeCredential({ rpId: 'other.example' });
    const { token } = await fido.client.pinToken(PIN, { permissions: PinPermission.getAssertion, rpId: 'example.com' });
    const uv = { token: token as Uint8Array };
    expect((await fido.client.makeCredential({}, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
    expect((await fido.client.getAssertion({ rpId: 'other.example' }, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
    expect((await fido.client.getAssertion({}, uv)).status).toBe(CtapStatus.NO_CREDENTIALS);
  });

  test('a token issued without an RP binds to the first RP it serves', async () => {
    const fido = await keyWithPin();
    const { token } = await fido.client.pinToken(PIN, { permissions: PinPermission.makeCredential | PinPermission.getAssertion });
    const uv = { token: token as Uint8Array };
    expect((await fido.client.makeCredential({ rpId: 'a.example', rk: true }, uv)).status).toBe(CtapStatus.OK);
    expect((await fido.client.makeCredential({ rpId: 'b.example', rk: true }, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
    expect((await fido.client.getAssertion({ rpId: 'a.example' }, uv)).status).toBe(CtapStatus.OK);
  });

  test('getPinToken grants makeCredential and getAssertion, not credential management', async () => {
    const fido = await keyWithPin();
    const { token } = await fido.client.pinToken(PIN);
    const manage = (key: Uint8Array): Promise<number> =>
      fido.client.status(
        CtapCommand.CredentialManagement,
        ctapMap([
          [CredentialManagementKey.subCommand, 1],
          [CredentialManagementKey.pinUvAuthProtocol, 2],
          [CredentialManagementKey.pinUvAuthParam, fido.client.protocol.authenticate(key, new Uint8Array([1]))],
        ]),
      );
    expect(await manage(token as Uint8Array)).toBe(CtapStatus.PIN_AUTH_INVALID);
    expect((await fido.client.makeCredential({ rk: true }, { token: token as Uint8Array })).status).toBe(CtapStatus.OK);
    const managing = await fido.client.pinToken(PIN, { permissions: PinPermission.credentialManagement });
    expect(await manage(managing.token as Uint8Array)).toBe(CtapStatus.OK);
  });

  test('unsupported or empty permissions are refused', async () => {
    const fido = await keyWithPin();
    expect((await fido.client.pinToken(PIN, { permissions: PinPermission.bioEnrollment })).status).toBe(CtapStatus.UNAUTHORIZED_PERMISSION);
    expect((await fido.client.pinToken(PIN, { permissions: 0 })).status).toBe(CtapStatus.INVALID_PARAMETER);
  });

  test('a token ends after ten minutes, at a power cycle and when a newer one is issued', async () => {
    const fido = await keyWithPin();
    const uvOf = async (): Promise<{ token: Uint8Array }> => ({ token: (await fido.client.pinToken(PIN)).token as Uint8Array });
    let uv = await uvOf();
    fido.clock.advance(600_000);
    expect((await fido.client.makeCredential({}, uv)).status).toBe(CtapStatus.OK);
    fido.clock.advance(1);
    expect((await fido.client.makeCredential({}, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
    uv = await uvOf();
    await uvOf();
    expect((await fido.client.makeCredential({}, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
    uv = await uvOf();
    await fido.powerCycle();
    expect((await fido.client.makeCredential({}, uv)).status).toBe(CtapStatus.PIN_AUTH_INVALID);
  });

  test('with a PIN set, a discoverable credential needs a token', async () => {
    const fido = await keyWithPin();
    expect((await fido.client.makeCredential({ rk: true })).status).toBe(CtapStatus.PUAT_REQUIRED);
    expect((await fido.client.makeCredential({ rk: false })).status).toBe(CtapStatus.OK);
  });
});
