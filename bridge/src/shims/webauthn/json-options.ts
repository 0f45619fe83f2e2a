/**
 * PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON (WebAuthn L3 §5.1.9, §5.1.10):
 * the JSON forms relying parties send, with base64url strings where the options take bytes. A missing required
 * member is a TypeError, a string that is not base64url an EncodingError, as in Chrome.
 */
import { domError } from '../dom.js';
import { arrayBuffer, fromBase64Url } from './base64url.js';

type Json = Record<string, unknown>;

function requireDictionary(value: unknown, method: string, type: string): Json {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`Failed to execute '${method}' on 'PublicKeyCredential': The provided value is not of type '${type}'.`);
  }
  return value as Json;
}

function required(dictionary: Json, member: string, owner: string, method: string): unknown {
  const value = dictionary[member];
  if (value === undefined) {
    throw new TypeError(
      `Failed to execute '${method}' on 'PublicKeyCredential': Failed to read the '${member}' property from '${owner}': Required member is undefined.`,
    );
  }
  return value;
}

function bytes(value: unknown, member: string): ArrayBuffer {
  const decoded = typeof value === 'string' ? fromBase64Url(value) : undefined;
  if (decoded === undefined) throw domError('EncodingError', `'${member}' contains invalid base64url data`);
  return arrayBuffer(decoded);
}

function descriptors(value: unknown, member: string): Json[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`'${member}' is not a sequence.`);
  return value.map((entry: Json) => ({ ...entry, id: bytes(entry?.id, `${member}.id`) }));
}

export function parseCreationOptionsFromJSON(options: unknown): Json {
  const method = 'parseCreationOptionsFromJSON';
  const owner = 'PublicKeyCredentialCreationOptionsJSON';
  const json = requireDictionary(options, method, owner);
  const challenge = required(json, 'challenge', owner, method);
  required(json, 'pubKeyCredParams', owner, method);
  required(json, 'rp', owner, method);
  const user = requireDictionary(required(json, 'user', owner, method), method, 'PublicKeyCredentialUserEntityJSON');
  for (const member of ['displayName', 'id', 'name']) required(user, member, 'PublicKeyCredentialUserEntityJSON', method);
  const excludeCredentials = descriptors(json.excludeCredentials, 'excludeCredentials');
  return {
    ...json,
    challenge: bytes(challenge, 'challenge'),
    user: { ...user, id: bytes(user.id, 'user.id') },
    ...(excludeCredentials === undefined ? {} : { excludeCredentials }),
  };
}

export function parseRequestOptionsFromJSON(options: unknown): Json {
  const method = 'parseRequestOptionsFromJSON';
  const owner = 'PublicKeyCredentialRequestOptionsJSON';
  const json = requireDictionary(options, method, owner);
  const challenge = required(json, 'challenge', owner, method);
  const allowCredentials = descriptors(json.allowCredentials, 'allowCredentials');
  return { ...json, challenge: bytes(challenge, 'challenge'), ...(allowCredentials === undefined ? {} : { allowCredentials }) };
}
