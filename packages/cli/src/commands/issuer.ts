/**
 * `hkey issuer init | enroll | handover` (docs/design/sealed-provisioning.md "Issuer"): the issuer's signing key,
 * its enrollment on a key (a button press on the key: physical presence), and handing a key over to another
 * issuer with the enrolled issuer's signature.
 */
import { issuerIdOf, signHandover, toBase64Url } from '@hkey/protocol';
import { withKey } from '../connect.js';
import type { RunContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { createIssuerKey, issuerPassphrase, readIssuerKey, readIssuerPublicKey } from '../sealed/issuer-key.js';

export async function issuerInit(context: RunContext, options: { out: string }): Promise<number> {
  const passphrase = await issuerPassphrase(true);
  const { publicKey, publicPath } = await createIssuerKey(options.out, passphrase);
  const issuerId = toBase64Url(issuerIdOf(publicKey));
  context.output.result(
    { event: 'issuer', key: options.out, publicKey: publicPath, issuerId },
    () =>
      `Issuer key ${options.out} (owner-only, encrypted) and its public key ${publicPath}; issuer id ${issuerId}.\n` +
      `Keep ${options.out} where the secrets are; give ${publicPath} to whoever enrolls keys (\`hkey issuer enroll\`).`,
  );
  return ExitCode.OK;
}

export async function issuerEnroll(context: RunContext, options: { issuer: string }): Promise<number> {
  const issuerPublicKey = await readIssuerPublicKey(options.issuer);
  return withKey(context, async (key) => {
    context.output.prompt(`Press the button on key ${key.info.serial} to make it obey this issuer.`);
    const { issuerId } = await key.client.enrollIssuer({ issuerPublicKey }, { timeoutMs: context.globals.timeout });
    context.output.result(
      { event: 'enrolled', serial: key.info.serial, issuerId: toBase64Url(issuerId) },
      () => `Key ${key.info.serial} now obeys issuer ${toBase64Url(issuerId)}.`,
    );
    return ExitCode.OK;
  });
}

export async function issuerHandover(context: RunContext, options: { issuer: string; to: string }): Promise<number> {
  const next = await readIssuerPublicKey(options.to);
  const current = await readIssuerKey(options.issuer, await issuerPassphrase(false));
  try {
    return await withKey(context, async (key) => {
      const handoverSignature = await signHandover(key.info.serial, next, current.privateKey);
      const { issuerId } = await key.client.enrollIssuer({ issuerPublicKey: next, handoverSignature }, { timeoutMs: context.globals.timeout });
      context.output.result(
        { event: 'handed-over', serial: key.info.serial, issuerId: toBase64Url(issuerId) },
        () => `Key ${key.info.serial} now obeys issuer ${toBase64Url(issuerId)}.`,
      );
      return ExitCode.OK;
    });
  } finally {
    current.privateKey.fill(0);
  }
}
