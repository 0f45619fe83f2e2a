/**
 * `hkey fido credentials list|delete`: the discoverable credentials on the key (CTAP 2.1 §6.8). Both need the FIDO
 * PIN, for a pinUvAuthToken with the credentialManagement permission. Credential ids are shown as base64url, the
 * form relying parties and browsers use.
 */
import type { FidoClient, PinUvAuthToken } from '@hkey/bridge';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import type { RunContext } from '../context.js';
import { FidoPinReader, withFido } from './fido-session.js';

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** A token for credential management, after checking that the key has a FIDO PIN at all. */
async function managementToken(context: RunContext, fido: FidoClient, serial: string): Promise<PinUvAuthToken> {
  const timeoutMs = context.globals.timeout;
  if ((await fido.getInfo({ timeoutMs })).options.clientPin !== true) {
    throw new CliError('PIN_NOT_SET', 'Credential management needs the FIDO PIN, and this key has none: set one with `hkey fido pin set`.', ExitCode.PIN);
  }
  const pin = await new FidoPinReader(context.globals.pinStdin).current(`FIDO PIN for key ${serial}: `);
  return fido.clientPin.getPinToken(pin, { permissions: ['credentialManagement'] }, { timeoutMs });
}

/** `hkey fido credentials list` */
export async function fidoCredentialsList(context: RunContext): Promise<void> {
  const { globals, output } = context;
  const result = await withFido(context, async ({ serial, fido }) => {
    const token = await managementToken(context, fido, serial);
    const options = { timeoutMs: globals.timeout };
    const credentials = [];
    for (const rp of await fido.credentialManagement.relyingParties(token, options)) {
      for (const credential of await fido.credentialManagement.credentials(token, rp.rpIdHash, options)) {
        credentials.push({
          rpId: rp.id,
          rpName: rp.name,
          credentialId: b64url(credential.credentialId),
          userId: b64url(credential.user.id),
          userName: credential.user.name,
          displayName: credential.user.displayName,
          credProtect: credential.credProtect,
        });
      }
    }
    return { serial, credentials };
  });
  output.result(result, () =>
    result.credentials.length === 0
      ? `Key ${result.serial} holds no discoverable FIDO credentials.`
      : table(
          ['relying party', 'user', 'display name', 'credential id'],
          result.credentials.map((credential) => [credential.rpId, credential.userName ?? '', credential.displayName ?? '', credential.credentialId]),
        ),
  );
}

/** `hkey fido credentials delete ID` */
export async function fidoCredentialsDelete(context: RunContext, id: string): Promise<void> {
  const { globals, output } = context;
  if (!/^[A-Za-z0-9_-]{16,}$/.test(id)) {
    throw new CliError('USAGE_CREDENTIAL_ID', 'A credential id is the base64url text `hkey fido credentials list` shows.', ExitCode.USAGE);
  }
  const credentialId = new Uint8Array(Buffer.from(id, 'base64url'));
  const serial = await withFido(context, async ({ serial, fido }) => {
    const token = await managementToken(context, fido, serial);
    await fido.credentialManagement.delete(token, credentialId, { timeoutMs: globals.timeout });
    return serial;
  });
  output.result({ serial, credentialId: id, deleted: true }, () => `Credential deleted from key ${serial}.`);
}
