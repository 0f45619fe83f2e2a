import { describe, expect, test } from 'vitest';
import {
  type CborMap,
  type CborValue,
  Commands,
  type CommandName,
  MessageError,
  Status,
  decodeRequest,
  decodeResponse,
  encodeCbor,
  encodeErrorResponse,
  encodeMessage,
  encodeRequest,
  encodeResponse,
  redactParams,
} from '@hkey/protocol';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const secret = new Uint8Array(20).fill(7);

function rawRequest(code: number, map?: CborMap): Uint8Array {
  return encodeMessage(code, map);
}

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error('expected an error');
}

describe('requests (docs/protocol.md §3.1, §3.4)', () => {
  test('a command without parameters is the command byte alone', () => {
    expect(hex(encodeRequest('GetInfo', {}))).toBe('01');
    expect(decodeRequest(Uint8Array.of(0x01))).toEqual({ command: 'GetInfo', params: {} });
    expect(decodeRequest(Uint8Array.of(0x01, 0xa0))).toEqual({ command: 'GetInfo', params: {} });
  });

  test('GetOtp {1: 513} is encoded canonically', () => {
    expect(hex(encodeRequest('GetOtp', { id: 513 }))).toBe('20a1011902' + '01');
  });

  test('every command round-trips a full request', () => {
    const requests: { [N in CommandName]: Parameters<typeof encodeRequest<N>>[1] } = {
      GetInfo: {},
      SetTime: { time: 2_000_000_000 },
      SetPin: { pin: '1234', maxRetries: 5 },
      ChangePin: { currentPin: '1234', newPin: '87654321' },
      VerifyPin: { pin: '1234' },
      Lock: {},
      GetIdentity: {},
      EnrollIssuer: { issuerPublicKey: new Uint8Array(65).fill(4), handoverSignature: new Uint8Array(64).fill(1) },
      ApplySealed: { header: Uint8Array.of(0xa0), enc: new Uint8Array(65), ciphertext: [new Uint8Array(256), Uint8Array.of(1)], signature: new Uint8Array(64) },
      AccountList: { offset: 3, includeHidden: true },
      AccountGet: { id: 1 },
      AccountCreate: {
        name: 'github',
        login: 'alice',
        password: 'hunter2',
        urls: ['https://github.com'],
        apps: ['gh'],
        flags: 0x05,
        otp: { secret, kind: 'HOTP', algorithm: 'SHA256', digits: 8, counter: 2n ** 63n },
      },
      AccountUpdate: { id: 2, name: 'gitlab', clear: 0x01 },
      AccountDelete: { id: 9 },
      GetOtp: { id: 65535 },
      GetPassword: { id: 1 },
      Wink: {},
      Wipe: {},
    };
    for (const name of Object.keys(requests) as CommandName[]) {
      const bytes = encodeRequest(name, requests[name] as never);
      expect(bytes[0]).toBe(Commands[name].code);
      expect(decodeRequest(bytes)).toEqual({ command: name, params: requests[name] });
    }
  });

  test('an empty message is INVALID_LENGTH and an unknown command INVALID_COMMAND', () => {
    expect(statusOf(() => decodeRequest(new Uint8Array()))).toBe(Status.INVALID_LENGTH);
    expect(statusOf(() => decodeRequest(Uint8Array.of(0x7e)))).toBe(Status.INVALID_COMMAND);
  });

  test('unknown, missing and invalid parameters name the field', () => {
    const cases: [Uint8Array, number, string][] = [
      [
        rawRequest(
          0x20,
          new Map([
            [1, 1],
            [2, 0],
          ]),
        ),
        Status.UNKNOWN_PARAMETER,
        '2',
      ],
      [rawRequest(0x20, new Map()), Status.MISSING_PARAMETER, 'id'],
      [rawRequest(0x20, new Map([[1, 0]])), Status.INVALID_PARAMETER, 'id'],
      [rawRequest(0x20, new Map([[1, 'x']])), Status.INVALID_PARAMETER, 'id'],
      [
        rawRequest(
          0x12,
          new Map<number, CborValue>([
            [2, 'a'],
            [
              9,
              new Map<number, CborValue>([
                [1, secret],
                [2, 0],
                [4, 9],
              ]),
            ],
          ]),
        ),
        Status.INVALID_PARAMETER,
        'otp.digits',
      ],
      [
        rawRequest(
          0x12,
          new Map<number, CborValue>([
            [2, 'a'],
            [
              9,
              new Map<number, CborValue>([
                [1, secret],
                [2, 0],
                [6, 1],
              ]),
            ],
          ]),
        ),
        Status.INVALID_PARAMETER,
        'otp.counter',
      ],
      [
        rawRequest(
          0x12,
          new Map<number, CborValue>([
            [2, 'a'],
            [9, new Map<number, CborValue>([[2, 0]])],
          ]),
        ),
        Status.MISSING_PARAMETER,
        'otp.secret',
      ],
      [
        rawRequest(
          0x12,
          new Map<number, CborValue>([
            [2, 'a'],
            [
              9,
              new Map<number, CborValue>([
                [1, secret.subarray(0, 9)],
                [2, 0],
              ]),
            ],
          ]),
        ),
        Status.INVALID_PARAMETER,
        'otp.secret',
      ],
      [rawRequest(0x12, new Map<number, CborValue>([[2, 'x'.repeat(65)]])), Status.INVALID_PARAMETER, 'name'],
      [rawRequest(0x12, new Map<number, CborValue>([[2, 'é'.repeat(33)]])), Status.INVALID_PARAMETER, 'name'],
    ];
    for (const [bytes, status, field] of cases) {
      try {
        decodeRequest(bytes);
        expect.unreachable(`request ${hex(bytes)} should fail`);
      } catch (error) {
        expect(error).toBeInstanceOf(MessageError);
        expect((error as MessageError).status).toBe(status);
        expect((error as MessageError).field).toBe(field);
      }
    }
  });

  test('CBOR strictness reaches the message layer with its status', () => {
    expect(statusOf(() => decodeRequest(Uint8Array.of(0x20, 0xa1, 0x01, 0x18, 0x05)))).toBe(Status.CBOR_NOT_CANONICAL);
    expect(statusOf(() => decodeRequest(Uint8Array.of(0x20, 0x01)))).toBe(Status.CBOR_NOT_A_MAP);
    expect(statusOf(() => decodeRequest(Uint8Array.of(0x20, 0xa1, 0x01, 0x01, 0x00)))).toBe(Status.CBOR_TRAILING_BYTES);
  });

  test('no error message echoes a parameter value', () => {
    const pin = '98765432109876543210';
    const bytes = rawRequest(
      0x05,
      new Map<number, CborValue>([
        [1, pin],
        [3, 1],
      ]),
    );
    try {
      decodeRequest(bytes);
    } catch (error) {
      expect((error as Error).message).not.toContain(pin);
    }
  });
});

describe('responses (docs/protocol.md §3.1, §3.5)', () => {
  test('OK results round-trip and error details decode', () => {
    const bytes = encodeResponse('GetOtp', { code: '123456', validUntil: 1_700_000_010 });
    expect(decodeResponse('GetOtp', bytes)).toEqual({ ok: true, status: 'OK', result: { code: '123456', validUntil: 1_700_000_010 } });
    const pinInvalid = encodeErrorResponse('PIN_INVALID', { retries: 4 });
    expect(hex(pinInvalid)).toBe('31a10104');
    expect(decodeResponse('VerifyPin', pinInvalid)).toEqual({ ok: false, status: 'PIN_INVALID', code: 0x31, details: { retries: 4 } });
    expect(decodeResponse('GetOtp', Uint8Array.of(0x50))).toEqual({ ok: false, status: 'ACCOUNT_NOT_FOUND', code: 0x50, details: undefined });
  });

  test('an unknown status byte is an error, not a guess', () => {
    expect(() => decodeResponse('GetInfo', Uint8Array.of(0xee))).toThrow(MessageError);
  });
});

test('redaction hides every secret field, nested ones included (docs/protocol.md §6.4)', () => {
  const params = { name: 'github', password: 'hunter2', otp: { secret, kind: 'TOTP' } };
  const redacted = redactParams(Commands.AccountCreate.request, params);
  expect(JSON.stringify(redacted)).not.toContain('hunter2');
  expect(redacted).toEqual({ name: 'github', password: '[redacted]', otp: { secret: '[redacted]', kind: 'TOTP' } });
  expect(redactParams(Commands.ChangePin.request, { currentPin: '1234', newPin: '5678' })).toEqual({ currentPin: '[redacted]', newPin: '[redacted]' });
  expect(encodeCbor(new Map([[1, 2]])).length).toBe(3);
});
