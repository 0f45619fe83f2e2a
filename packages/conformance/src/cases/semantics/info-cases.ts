/** GetInfo describes an HKP/1 key (§4.1, §4.2). */
import { Capability, Limits } from '@hkey/protocol';
import { byteName, check, checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { listAccounts } from '../support/listing.js';

const ALL_CAPABILITIES = Capability.TOTP | Capability.HOTP | Capability.PASSWORDS | Capability.HID | Capability.BLE | Capability.PIN;

export const infoCases = [
  defineCase({
    id: 'SEM-01',
    group: 'semantics',
    title: 'GetInfo reports protocol 1, all six capabilities, 7609-byte messages and a consistent PIN and storage state',
    spec: '§4.1, §4.2',
    async run(ctx) {
      const session = await ctx.session();
      const info = await session.ok('GetInfo', {});
      checkEqual(info.protocolVersion, 1, 'protocolVersion');
      check(
        (info.capabilities & ALL_CAPABILITIES) === ALL_CAPABILITIES,
        `capabilities with TOTP, HOTP, passwords, HID, BLE and PIN (${byteName(ALL_CAPABILITIES)})`,
        () => byteName(info.capabilities),
      );
      checkEqual(info.maxMessageBytes, Limits.maxMessageBytes, 'maxMessageBytes');
      check(/^[0-9]+\.[0-9]+\.[0-9]+$/.test(info.firmware), 'firmware as "major.minor.build"', () => `"${info.firmware}"`);
      check(info.storageFree <= info.storageTotal, 'storageFree at most storageTotal', () => `${info.storageFree} of ${info.storageTotal}`);
      check(info.pinRetries <= info.pinMaxRetries, 'pinRetries at most pinMaxRetries', () => `${info.pinRetries} of ${info.pinMaxRetries}`);
      check(
        (info.pinState === 'BLOCKED') === (info.pinRetries === 0 && info.pinState !== 'NOT_SET'),
        'pinState BLOCKED exactly when a PIN is set and no retries are left',
        () => `pinState ${info.pinState}, ${info.pinRetries} retries`,
      );
      const unlocked = ctx.pin.kind === 'none' || ctx.pin.kind === 'known';
      checkEqual(info.locked, !unlocked, 'locked (this session verified the PIN, or none is set)');
      if (unlocked) {
        const { total } = await listAccounts(session, true);
        checkEqual(info.accountCount, total, 'accountCount equal to the AccountList total with hidden accounts');
      }
    },
  }),
];
