/**
 * `--transport virtual`: a key simulated inside the hkey process, its state kept in a file so that it persists
 * between commands ($HKEY_VIRTUAL_STATE, default ~/.hkey/virtual-key.json; encrypted with HKEY_STATE_PASSPHRASE).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openVirtualTransport, type Transport } from '@hkey/bridge';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';

export function virtualStatePath(): string {
  return process.env.HKEY_VIRTUAL_STATE || join(homedir(), '.hkey', 'virtual-key.json');
}

export async function openPersistentVirtualKey(): Promise<Transport> {
  const store = new FileStore(virtualStatePath(), { passphrase: process.env.HKEY_STATE_PASSPHRASE || undefined });
  const key = await VirtualKey.start({ store, identity: { serial: 'HK-VIRTUAL-1' } });
  return openVirtualTransport(connectInProcess(key), { serial: key.serial });
}
