import { expect, test } from 'vitest';
import fc from 'fast-check';
import { DeviceBusyError, LeaseRegistry } from '@hkey/bridge';

test('one owner at a time; others get DEVICE_BUSY naming the holder', () => {
  const leases = new LeaseRegistry(() => 1_000);
  const token = leases.acquire('udp://127.0.0.1:8111', { owner: 'hkey CLI' });
  expect(token).toMatch(/^[0-9a-f]{32}$/);
  expect(leases.lookup(token)).toEqual({ deviceId: 'udp://127.0.0.1:8111', owner: 'hkey CLI', token, acquiredAt: 1_000 });
  expect(leases.leaseOf('udp://127.0.0.1:8111')?.owner).toBe('hkey CLI');

  let error: unknown;
  try {
    leases.acquire('udp://127.0.0.1:8111', { owner: 'https://app.example' });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(DeviceBusyError);
  expect(error).toMatchObject({ code: 'DEVICE_BUSY', holder: 'hkey CLI' });
  expect((error as Error).message).toBe('The key is in use by hkey CLI; close it there or wait until it lets go.');

  // Another device is free; the same owner gets its own token back.
  expect(leases.acquire('virtual', { owner: 'https://app.example' })).not.toBe(token);
  expect(leases.acquire('udp://127.0.0.1:8111', { owner: 'hkey CLI' })).toBe(token);

  expect(leases.release(token)).toBe(true);
  expect(leases.release(token)).toBe(false);
  expect(leases.lookup(token)).toBeUndefined();
  expect(leases.acquire('udp://127.0.0.1:8111', { owner: 'https://app.example' })).not.toBe(token);
});

test('expectedSession keeps a lease across a reconnect, and a stale one yields a new token', () => {
  const leases = new LeaseRegistry();
  const token = leases.acquire('d', { owner: 'tab 1' });
  expect(leases.acquire('d', { owner: 'tab 1 (reconnected)', expectedSession: token })).toBe(token);
  expect(() => leases.acquire('d', { owner: 'tab 2', expectedSession: 'guess' })).toThrow(DeviceBusyError);
  leases.release(token);
  const next = leases.acquire('d', { owner: 'tab 1', expectedSession: token });
  expect(next).not.toBe(token);
});

test('releaseOwner frees every device of an owner and nothing else', () => {
  const leases = new LeaseRegistry();
  leases.acquire('a', { owner: 'x' });
  leases.acquire('b', { owner: 'x' });
  const other = leases.acquire('c', { owner: 'y' });
  expect(leases.releaseOwner('x').sort()).toEqual(['a', 'b']);
  expect(leases.leaseOf('a')).toBeUndefined();
  expect(leases.lookup(other)?.deviceId).toBe('c');
});

test('property: at most one holder per device, matching a simple model', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('acquire' as const), device: fc.integer({ min: 0, max: 3 }), owner: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('release' as const), device: fc.integer({ min: 0, max: 3 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const leases = new LeaseRegistry();
      const model = new Map<number, { owner: number; token: string }>();
      for (const step of ops) {
        const deviceId = `device ${step.device}`;
        if (step.kind === 'release') {
          const held = model.get(step.device);
          expect(leases.release(held?.token ?? 'none')).toBe(held !== undefined);
          model.delete(step.device);
          continue;
        }
        const held = model.get(step.device);
        if (held !== undefined && held.owner !== step.owner) {
          expect(() => leases.acquire(deviceId, { owner: `owner ${step.owner}` })).toThrow(DeviceBusyError);
        } else {
          const token = leases.acquire(deviceId, { owner: `owner ${step.owner}` });
          if (held !== undefined) expect(token).toBe(held.token);
          model.set(step.device, { owner: step.owner, token });
        }
        expect(leases.leaseOf(deviceId)?.owner).toBe(`owner ${model.get(step.device)?.owner}`);
      }
    }),
  );
});
