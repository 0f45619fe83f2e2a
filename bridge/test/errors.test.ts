import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { CtapStatus, HidError, type HidErrorName, HkeyError, Status, type StatusName } from '@hkey/protocol';
import {
  BridgeError,
  DeviceStatusError,
  type DeviceStatusName,
  HidTransportError,
  TransportError,
  type TransportErrorCode,
  ctapStatusError,
} from '@hkey/bridge';

const oneSentence = (message: string): void => {
  expect(message).toMatch(/^[A-Z].*[.]$/);
  expect(message).not.toContain('\n');
  // A period followed by a space and a capital would start a second sentence.
  expect(message).not.toMatch(/\. [A-Z]/);
};

test('every HKP status but OK is a DeviceStatusError whose code is the status name', () => {
  const names = (Object.keys(Status) as StatusName[]).filter((name): name is DeviceStatusName => name !== 'OK');
  expect(names.length).toBeGreaterThan(30);
  for (const name of names) {
    const error = new DeviceStatusError(name);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toBeInstanceOf(HkeyError);
    expect(error).toMatchObject({ code: name, status: name, statusByte: Status[name], name: 'DeviceStatusError' });
    oneSentence(error.message);
  }
});

test('statuses with details say what they mean without echoing parameters', () => {
  expect(new DeviceStatusError('PIN_INVALID', { retries: 1 }).message).toBe('Wrong PIN: 1 attempt left before the key blocks.');
  expect(new DeviceStatusError('PIN_INVALID', { retries: 0 }).message).toContain('only a wipe can reset it');
  expect(new DeviceStatusError('STORAGE_FULL', { needed: 300, free: 12 }).message).toBe(
    'The key is full (the change needs 300 bytes, 12 are free); delete accounts to make room.',
  );
  expect(new DeviceStatusError('PIN_BLOCKED').message).toBe('PIN blocked: only a wipe can reset this key.');
});

test('every CTAPHID ERROR code maps 1:1 to HID_<name>; unknown codes are HID_OTHER with the raw byte', () => {
  for (const name of Object.keys(HidError) as HidErrorName[]) {
    const error = new HidTransportError(HidError[name]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: `HID_${name}`, hidError: HidError[name] });
    oneSentence(error.message);
  }
  expect(new HidTransportError(0x42)).toMatchObject({ code: 'HID_OTHER', hidError: 0x42 });
});

test('transport conditions have stable codes and one-sentence messages', () => {
  const codes: TransportErrorCode[] = ['DISCONNECTED', 'TIMEOUT', 'CANCELLED', 'NOT_FOUND', 'PERMISSION_DENIED', 'DEVICE_BUSY', 'PROTOCOL_VIOLATION'];
  for (const code of codes) {
    const error = new TransportError(code);
    expect(error).toMatchObject({ code, name: 'TransportError' });
    oneSentence(error.message);
  }
  const cause = new Error('EIO');
  expect(new TransportError('DISCONNECTED', { cause }).cause).toBe(cause);
});

// Pages show these messages too, so they name no command of the hkey CLI; the CLI adds its commands by code.
const NAMES_A_COMMAND = /hkey [a-z]/;

test('no message names an hkey command', () => {
  const statuses = (Object.keys(Status) as StatusName[]).filter((name): name is DeviceStatusName => name !== 'OK');
  const messages = [
    ...statuses.map((name) => new DeviceStatusError(name).message),
    new DeviceStatusError('PIN_INVALID', { retries: 0 }).message,
    ...(['DISCONNECTED', 'TIMEOUT', 'CANCELLED', 'NOT_FOUND', 'PERMISSION_DENIED', 'DEVICE_BUSY', 'PROTOCOL_VIOLATION'] as const).map(
      (code) => new TransportError(code).message,
    ),
    ...Object.values(CtapStatus).map((status) => ctapStatusError(status).message),
  ];
  expect(messages.filter((message) => NAMES_A_COMMAND.test(message))).toEqual([]);
});

test('no string in the bridge sources names an hkey command (comments may)', () => {
  const sourceFiles = (directory: string): string[] =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const path = join(directory, entry.name);
      return entry.isDirectory() ? sourceFiles(path) : /(?<!\.d)\.ts$/.test(entry.name) ? [path] : [];
    });
  const found = sourceFiles(fileURLToPath(new URL('../src', import.meta.url))).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line) && NAMES_A_COMMAND.test(line))
      .map((line) => `${file}: ${line.trim()}`),
  );
  expect(found).toEqual([]);
});
