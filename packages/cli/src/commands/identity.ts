/**
 * `hkey identity [--all]`: each key's public identity as an inventory line (docs/design/sealed-provisioning.md
 * "Identity"), after checking its certificate chain against the manufacturer root. `--json` prints exactly the
 * lines `hkey seal --inventory` reads; an inventory holds no secret.
 */
import { type InventoryEntry, concatBytes, serializeInventoryEntry, toBase64Url } from '@hkey/protocol';
import { CliError, errorMessage } from '../cli-error.js';
import { type OpenKey, candidateTransports, connect, lockPolicy, probeKeys } from '../connect.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { loadManufacturerRoot, verifyKeyIdentity } from '../sealed/identity-trust.js';

export interface IdentityOptions {
  all: boolean;
  manufacturerCa?: string;
}

async function inventoryEntry(key: OpenKey, timeoutMs: number): Promise<InventoryEntry> {
  const identity = await key.client.getIdentity({ timeoutMs });
  return {
    serial: identity.serial,
    kemPublicKey: identity.kemPublicKey,
    signingPublicKey: identity.signingPublicKey,
    chain: identity.certificates.map((chunks) => concatBytes(...chunks)),
    lifecycle: identity.lifecycle,
    ...(identity.issuerId !== undefined && { issuerId: identity.issuerId }),
    ...(identity.sequence !== undefined && { sequence: identity.sequence }),
  };
}

async function keysToRead(context: RunContext, all: boolean): Promise<OpenKey[]> {
  if (!all) return [await connect(context)];
  const probes = await probeKeys(candidateTransports(context.globals.transport), lockPolicy(context));
  const keys: OpenKey[] = [];
  for (const probe of probes) {
    if (probe.key === undefined) continue;
    if (keys.some((key) => key.info.serial === probe.key?.info.serial)) await probe.key.close();
    else keys.push(probe.key);
  }
  if (keys.length === 0) throw new CliError('NO_DEVICE', 'No key answers at the given addresses: start the simulator or plug keys in.', ExitCode.NO_DEVICE);
  return keys.sort((a, b) => a.info.serial.localeCompare(b.info.serial));
}

export async function identity(context: RunContext, options: IdentityOptions): Promise<number> {
  const { output, globals } = context;
  const root = await loadManufacturerRoot(options.manufacturerCa);
  const keys = await keysToRead(context, options.all);
  const trusted: InventoryEntry[] = [];
  let untrusted = 0;
  try {
    for (const key of keys) {
      const entry = await inventoryEntry(key, globals.timeout);
      try {
        verifyKeyIdentity(entry, root);
        trusted.push(entry);
      } catch (error) {
        untrusted += 1;
        output.warn(errorMessage(error));
      }
    }
  } finally {
    await Promise.all(keys.map((key) => key.close()));
  }
  if (output.options.json) {
    for (const entry of trusted) output.event(JSON.parse(serializeInventoryEntry(entry)) as Record<string, unknown>, () => '');
  } else {
    output.result(null, () =>
      table(
        ['serial', 'lifecycle', 'issuer', 'sequence', 'kem key'],
        trusted.map((entry) => [
          entry.serial,
          entry.lifecycle ?? '',
          entry.issuerId === undefined ? '-' : toBase64Url(entry.issuerId),
          String(entry.sequence ?? '-'),
          `${toBase64Url(entry.kemPublicKey).slice(0, 16)}…`,
        ]),
      ),
    );
  }
  if (untrusted > 0) {
    throw new CliError(
      'IDENTITY_UNTRUSTED',
      `${untrusted} key(s) did not prove a genuine identity and were left out (see above).`,
      ExitCode.VERIFICATION_FAILED,
    );
  }
  return ExitCode.OK;
}
