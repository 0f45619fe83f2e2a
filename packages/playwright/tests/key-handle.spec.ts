/** The key handle's clock, snapshots and events, through the control API (bridge) and the test process (in-page). */
import { expect, expectCurrentCode, test } from './support/site.js';

for (const source of ['bridge', 'in-page'] as const) {
  test.describe(`source ${source}`, () => {
    test.use({ hkey: { source } });

    test('setTime moves the clock the page reads TOTP codes on', async ({ key, site }) => {
      const account = await key.addAccount({ name: 'GitHub', secret: 'JBSWY3DPEHPK3PXP' });
      const past = new Date('2020-01-01T00:00:00Z');
      await key.setTime(past);
      await site.open('webhid-otp', { account: account.id });
      expectCurrentCode(await site.go(), account.secret, past.getTime() / 1000);
    });

    test('restore brings back the state of a snapshot', async ({ key, site }) => {
      const snapshot = await key.snapshot();
      const account = await key.addAccount({ name: 'GitHub' });
      await key.restore(snapshot);
      await site.open('webhid-otp', { account: account.id });
      expect(await site.go()).toBe('status: ACCOUNT_NOT_FOUND');
      await expect(key.restore('snap-404')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    });

    test('events() and waitForEvent() show what the page asked the key', async ({ key, site }) => {
      const account = await key.addAccount({ name: 'GitHub' });
      await site.open('webhid-otp', { account: account.id });
      await site.go();
      const command = await key.waitForEvent({ type: 'command', command: 'GetOtp' });
      expect(command.serial).toBe(key.serial);
      const response = await key.waitForEvent({ type: 'response', command: 'GetOtp' });
      expect(response.seq).toBeGreaterThan(command.seq);
      expect((await key.events()).some((event) => event.seq === response.seq)).toBe(true);
      await expect(key.waitForEvent({ type: 'wink' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'WAIT_TIMEOUT' });
    });
  });
}

test.describe('two keys', () => {
  test.use({ hkey: { keys: 2 } });

  test('keys has a handle per key, key is the first', async ({ key, keys }) => {
    expect(keys.map((each) => each.serial)).toEqual(['HK-SIM-000001', 'HK-SIM-000002']);
    expect(key).toBe(keys[0]);
  });
});
