/**
 * What a sealed item asks the key to do, encrypted: an operation code and its parameters. Account operations
 * carry exactly the parameter maps of the HKP commands they stand for (docs/protocol.md §4.10-§4.12), so the key
 * validates them with the same schema.
 */
import type { CborMap } from '../cbor-types.js';
import { encodeCbor } from '../cbor/index.js';
import { Commands } from '../messages/commands.js';
import { type Infer, type Schema, required } from '../messages/schema.js';
import { uint } from '../messages/types.js';
import { Limits } from '../limits.js';
import { FieldReader } from './sealed-fields.js';

export const SealedOperation = {
  AccountCreate: 1,
  AccountUpdate: 2,
  AccountDelete: 3,
  PinPolicy: 4,
  Lock: 5,
  Suspend: 6,
  Resume: 7,
  Wipe: 8,
  Compromise: 9,
} as const;

export type SealedOperationName = keyof typeof SealedOperation;
export type SealedOperationCode = (typeof SealedOperation)[SealedOperationName];

/** The issuer's PIN policy (the HES profile): applies to the next PIN set on the key (docs/protocol.md §10.4.2). */
export const PinPolicySchema = {
  minLength: required(1, uint(Limits.pinMinDigits, Limits.pinMaxDigits), 'Shortest PIN allowed, in digits.'),
  maxTries: required(2, uint(Limits.pinRetriesMin, Limits.pinRetriesMax), 'PIN attempts before the key blocks.'),
  expiryDays: required(3, uint(0, 3650), 'Days after which a PIN must be changed; 0: never.'),
} as const;
export type PinPolicyParams = Infer<typeof PinPolicySchema>;

/** Each operation's parameters: account operations are exactly their HKP commands' (docs/protocol.md §4.10-§4.12). */
export const SealedOperationSchemas: { readonly [N in SealedOperationName]: Schema } = {
  AccountCreate: Commands.AccountCreate.request,
  AccountUpdate: Commands.AccountUpdate.request,
  AccountDelete: Commands.AccountDelete.request,
  PinPolicy: PinPolicySchema,
  Lock: {},
  Suspend: {},
  Resume: {},
  Wipe: {},
  Compromise: {},
};

const NAMES = new Map<number, SealedOperationName>(Object.entries(SealedOperation).map(([name, code]) => [code, name as SealedOperationName]));

export interface SealedOperationRequest {
  readonly operation: SealedOperationName;
  readonly params: CborMap;
}

export function encodeSealedOperation(request: SealedOperationRequest): Uint8Array {
  return encodeCbor(
    new Map<number, number | CborMap>([
      [1, SealedOperation[request.operation]],
      [2, request.params],
    ]),
  );
}

export function decodeSealedOperation(bytes: Uint8Array): SealedOperationRequest {
  const fields = FieldReader.decode(bytes, 'SEALED_MALFORMED', 'sealed operation');
  const operation = NAMES.get(fields.uint(1, 'operation', 1, NAMES.size));
  const params = fields.nestedMap(2, 'parameters');
  fields.end();
  // uint() bounded the code to the table, so the name exists.
  return { operation: operation as SealedOperationName, params };
}
