/** Every form a secret could leak in: raw text or bytes, hex, base32 and base64 (docs/protocol.md §6.4). */
import { encodeBase32 } from '@hkey/protocol';

export function secretForms(secret: Uint8Array | string): string[] {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  const buffer = Buffer.from(bytes);
  const forms = [
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    encodeBase32(bytes),
    encodeBase32(bytes).toLowerCase(),
    buffer.toString('base64').replace(/=+$/, ''),
    buffer.toString('base64url'),
    buffer.toString('latin1'),
  ];
  if (typeof secret === 'string') forms.push(secret);
  // Short secrets (a 4-digit PIN) would match by chance in large outputs; scan for forms of 6+ characters.
  return [...new Set(forms)].filter((form) => form.length >= 6);
}

/** Every (form, location) pair where a secret shows up in the given texts. */
export function findSecrets(secrets: Record<string, Uint8Array | string>, texts: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of secretForms(secret)) {
      for (const [where, text] of Object.entries(texts)) if (text.includes(form)) hits.push(`${name} (${form.slice(0, 4)}...) in ${where}`);
    }
  }
  return hits;
}
