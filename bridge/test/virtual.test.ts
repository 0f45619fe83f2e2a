import { expect, test } from 'vitest';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { type DeviceChange, KeyClient, VirtualTransportKind } from '@hkey/bridge';

test('in-process keys are listed, watched and opened like any other transport kind', async () => {
  const key = await VirtualKey.start({ identity: { serial: 'HK-VIRTUAL-9' } });
  const kind = new VirtualTransportKind();
  const changes: DeviceChange[] = [];
  const remove = kind.add({ id: 'virtual:HK-VIRTUAL-9', serial: key.serial, name: 'simulated key', connect: () => connectInProcess(key) });
  const subscription = kind.listen({ next: (change) => changes.push(change) });
  const descriptor = { id: 'virtual:HK-VIRTUAL-9', transport: 'virtual', name: 'simulated key', serial: 'HK-VIRTUAL-9' };
  expect(await kind.list()).toEqual([descriptor]);

  // Each open() is its own connection: its own channel and PIN session on the key.
  const [one, two] = await Promise.all([kind.open('virtual:HK-VIRTUAL-9'), kind.open(descriptor as never)]);
  expect((await new KeyClient(one).getInfo()).serial).toBe('HK-VIRTUAL-9');
  expect((await new KeyClient(two).getInfo()).serial).toBe('HK-VIRTUAL-9');
  await Promise.all([one.close(), two.close()]);

  remove();
  remove();
  expect(await kind.list()).toEqual([]);
  expect(changes.map((change) => change.type)).toEqual(['add', 'remove']);
  await expect(kind.open('virtual:HK-VIRTUAL-9')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  subscription.unsubscribe();
});
