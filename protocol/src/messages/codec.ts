/**
 * Encoding and strict decoding of whole HKP/1 messages (docs/protocol.md §3.1):
 * request = command byte + optional CBOR map, response = status byte + optional CBOR map.
 */
import { decodeMessageParams, encodeMessage } from '../cbor/index.js';
import type { CborMap } from '../cbor-types.js';
import { MessageError } from '../errors.js';
import { type CommandName, type RequestOf, type ResponseOf, Commands, ErrorDetails, commandName } from './commands.js';
import { type Infer, type Schema, decodeMap, encodeMap } from './schema.js';
import { Status, type StatusName, statusName } from '../status.js';

export interface DecodedRequest<N extends CommandName = CommandName> {
  readonly command: N;
  readonly params: RequestOf<N>;
}

export function encodeRequest<N extends CommandName>(command: N, params: RequestOf<N>): Uint8Array {
  const definition = Commands[command];
  const map = encodeMap(definition.request, params as never);
  return encodeMessage(definition.code, map.size === 0 ? undefined : map);
}

/**
 * Decodes a request strictly. Throws MessageError or CborError; both carry the `status` the device answers with.
 */
export function decodeRequest(message: Uint8Array): DecodedRequest {
  if (message.length === 0) {
    throw new MessageError('INVALID_LENGTH', Status.INVALID_LENGTH, 'The request is empty: it needs at least a command byte.');
  }
  const code = message[0] as number;
  const command = commandName(code);
  if (command === undefined) {
    throw new MessageError('INVALID_COMMAND', Status.INVALID_COMMAND, `Command 0x${code.toString(16).padStart(2, '0')} is not defined in HKP/1.`);
  }
  const map = decodeMessageParams(message, 1);
  return { command, params: decodeMap(Commands[command].request, map) as RequestOf<typeof command> };
}

export function encodeResponse<N extends CommandName>(command: N, result: ResponseOf<N>): Uint8Array {
  const map = encodeMap(Commands[command].response, result as never);
  return encodeMessage(Status.OK, map.size === 0 ? undefined : map);
}

type ErrorDetailStatus = keyof typeof ErrorDetails;
export type ErrorDetailsOf<S extends StatusName> = S extends ErrorDetailStatus ? Infer<(typeof ErrorDetails)[S]> : undefined;

/** Encodes an error response; statuses listed in ErrorDetails carry their details map, others ignore `details`. */
export function encodeErrorResponse(status: Exclude<StatusName, 'OK'>, details?: Readonly<Record<string, unknown>>): Uint8Array {
  const schema = (ErrorDetails as Partial<Record<StatusName, Schema>>)[status];
  const map: CborMap | undefined = schema && details ? encodeMap(schema, details as never) : undefined;
  return encodeMessage(Status[status], map);
}

export type DecodedResponse<N extends CommandName> =
  | { readonly ok: true; readonly status: 'OK'; readonly result: ResponseOf<N> }
  | { readonly ok: false; readonly status: StatusName; readonly code: number; readonly details: Record<string, unknown> | undefined };

/** Decodes a response to `command` strictly; an unknown status byte or a malformed map throws MessageError/CborError. */
export function decodeResponse<N extends CommandName>(command: N, message: Uint8Array): DecodedResponse<N> {
  if (message.length === 0) {
    throw new MessageError('INVALID_LENGTH', Status.INVALID_LENGTH, 'The response is empty: it needs at least a status byte.');
  }
  const code = message[0] as number;
  const status = statusName(code);
  if (status === undefined) {
    throw new MessageError('UNKNOWN_STATUS', Status.OTHER, `Status 0x${code.toString(16).padStart(2, '0')} is not defined in HKP/1.`);
  }
  const map = decodeMessageParams(message, 1);
  if (status === 'OK') {
    return { ok: true, status, result: decodeMap(Commands[command].response, map) as ResponseOf<N> };
  }
  const schema = (ErrorDetails as Partial<Record<StatusName, Schema>>)[status];
  return { ok: false, status, code, details: schema && map.size > 0 ? decodeMap(schema, map) : undefined };
}
