/**
 * Bugs the fuzzers found (docs/reliability.md), each kept as the literal input that showed it and as the fuzz
 * case that found it: target, seed and path replay that exact case through the target's property (as long as the
 * target's generators are unchanged; the literal inputs hold regardless).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CtapStatus, decodeCtap, encodeRequest } from '@hkey/protocol';
import { ManualClock, MemoryStore, StateFileError, VirtualKey, initialState, stateFromJson, stateToJson } from '@hkey/firmware-sim';
import { checkCtapDecoding, ctapCborProperty } from './fuzz/ctap-targets.js';
import { deviceState } from './fuzz/key-model.js';
import { SEEDS, keyParametersProperty } from './fuzz/key-targets.js';
import { checkStateFile, checkStateJson, fileFixture, stateFileProperty, stateJsonProperty } from './fuzz/state-targets.js';

async function replay<Ts>(property: fc.IAsyncProperty<Ts>, seed: number, path: string): Promise<void> {
  await fc.assert(property, { seed, path, endOnFailure: true, includeErrorInReport: true });
}

/** A valid state as JSON, for editing one field. */
function stateJson(): Record<string, unknown> & { identity: Record<string, unknown>; accounts: Record<string, unknown>[] } {
  return JSON.parse(JSON.stringify(stateToJson(deviceState(SEEDS[1] as never)))) as never;
}

function refusal(json: unknown): StateFileError {
  try {
    stateFromJson(json);
  } catch (error) {
    expect(error).toBeInstanceOf(StateFileError);
    return error as StateFileError;
  }
  throw new Error('the state was accepted');
}

describe('regressions found by the fuzzers', () => {
  test('state stateFromJson, seed 1093166096: an OTP secret that is not base64 is refused naming the field, not with a DOMException', async () => {
    for (const secret of ['AAAAA', 'AB=']) {
      const json = stateJson();
      (json.accounts[0]?.otp as Record<string, unknown>).secret = secret;
      const error = refusal(json);
      expect(error.code).toBe('STATE_INVALID');
      expect(error.message).toContain('accounts[0].otp.secret');
      await checkStateJson(json);
    }
    await replay(stateJsonProperty, 1093166096, '71:1:2:4:4:6:5:5:5:5:5:9:6:7:11:5:6:5:5:5:6:7:9:5:5:6:5:5:6:7:6:5:5:5:6:5:6:5:5:5:6:17:6');
  });

  test('state stateFromJson, seed 1244742413: an account id above lastId is refused (the next AccountCreate would reuse it)', async () => {
    const json = stateJson();
    json.lastId = 2;
    expect(refusal(json).message).toContain('lastId');
    await replay(stateJsonProperty, 1244742413, '5:1:2:2:2:2:2:3:6:18:17:21:19:13:15:26:22:20:19:21:22:19:20:20:20:21');
  });

  test('state FileStore.load, seed 666061819: texts beyond the data model limits are refused, so every answer fits its schema', async () => {
    const edits: [string, (json: ReturnType<typeof stateJson>) => void][] = [
      ['identity.serial', (json) => (json.identity.serial = 'x'.repeat(300))],
      ['identity.model', (json) => (json.identity.model = '')],
      ['accounts[0].name', (json) => ((json.accounts[0] as Record<string, unknown>).name = 'n'.repeat(65))],
      ['accounts[0].name', (json) => ((json.accounts[0] as Record<string, unknown>).name = '\ud800')],
      ['accounts[0].login', (json) => ((json.accounts[0] as Record<string, unknown>).login = 'l'.repeat(129))],
      ['accounts[2].password', (json) => ((json.accounts[2] as Record<string, unknown>).password = 'p'.repeat(129))],
      ['accounts[1].urls', (json) => ((json.accounts[1] as Record<string, unknown>).urls = Array.from({ length: 9 }, () => 'u'))],
      ['accounts[1].urls[0]', (json) => ((json.accounts[1] as Record<string, unknown>).urls = [''])],
      ['accounts[2].apps[0]', (json) => ((json.accounts[2] as Record<string, unknown>).apps = ['a'.repeat(129)])],
      ['accounts[1].name', (json) => ((json.accounts[1] as Record<string, unknown>).name = 'github')],
      ['storageTotal', (json) => (json.storageTotal = 100)],
    ];
    for (const [field, edit] of edits) {
      const json = stateJson();
      edit(json);
      expect(refusal(json).message, field).toContain(`"${field}"`);
      await checkStateJson(json);
    }
    const fixture = await fileFixture();
    try {
      await replay(stateFileProperty(fixture), 666061819, '61:0:1:1:1:1:1:1:11:4:2:3:0:2:0:0:0:0:33');
    } finally {
      await fixture.close();
    }
  });

  test('state FileStore.load, seed 42234687: an encrypted file with a damaged salt field is refused, not a TypeError', async () => {
    const fixture = await fileFixture();
    try {
      const text = new TextDecoder().decode(fixture.encrypted).replace('"salt"', '"Dsalt"');
      await checkStateFile(fixture, { kind: 'bytes', bytes: new TextEncoder().encode(text), encrypted: true });
      await expect(fixture.encryptedStore.load()).rejects.toMatchObject({ code: 'STATE_UNKNOWN_FORMAT' });
      await replay(stateFileProperty(fixture), 42234687, '263:8:1:1:1:1:1');
    } finally {
      await fixture.close();
    }
  });

  test('command parameters into the key, seed 1324557089: GetOtp after the clock ran past 8640000000000 s answers a code, not OTHER', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23));
    const key = await VirtualKey.start({ clock, store: new MemoryStore(deviceState(SEEDS[0] as never)) });
    const session = key.openSession('virtual');
    await session.handle(encodeRequest('AccountCreate', { name: 't', otp: { secret: new Uint8Array(20), kind: 'TOTP' } }));
    await session.handle(encodeRequest('SetTime', { time: 8_639_999_999_999 }));
    clock.advance(86_400_000);
    expect((await session.handle(encodeRequest('GetOtp', { id: 1 })))?.[0]).toBe(0x00);
    expect(key.events.since(0).some((event) => event.type === 'fault')).toBe(false);
    await replay(keyParametersProperty({ requests: 0 }), 1324557089, '16:5:8:10:8:8:8:8');
  });

  test('state stateFromJson, seed 2009321953: a clock offset before 1970 never makes GetInfo report a negative time', async () => {
    const state = { ...initialState({ serial: 'HK-1', model: 'm', firmware: '1.0.0' }), clockOffsetMs: -Number.MAX_SAFE_INTEGER };
    await checkStateJson(JSON.parse(JSON.stringify(stateToJson(state))));
    await replay(stateJsonProperty, 2009321953, '1:2:1:1:1:2:2:2:2:2:62');
  });

  test('ctap decodeCtap, seed 1217035594: -2^53 (3B 001FFFFFFFFFFFFF) is refused, as encodeCtap cannot write it back', () => {
    const input = Uint8Array.from([0x3b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(() => decodeCtap(input)).toThrow(expect.objectContaining({ status: CtapStatus.INVALID_CBOR }));
    expect(decodeCtap(Uint8Array.from([0x3b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]))).toBe(-Number.MAX_SAFE_INTEGER);
    checkCtapDecoding(input, false);
    fc.assert(ctapCborProperty(), { seed: 1217035594, path: '977:0:1:1:1:1:4:3:4:4:4:4:5:5:5:5', endOnFailure: true });
  });
});
