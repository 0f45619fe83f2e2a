/**
 * Published codec vectors (docs/protocol.md §3): request bytes and the status a key answers, from the message
 * rules the conformance cases send. The reference decoder must agree with every expectation, or generation fails.
 */
import { type CborError, Status, decodeMessageParams, decodeRequest, commandName, HkeyError } from '@hkey/protocol';
import { fromHex, toHex } from '../checks.js';
import { MESSAGE_RULES } from '../cases/message/codec-inputs.js';

interface ReferenceAnswer {
  readonly status: keyof typeof Status;
  /** Whether the parameters passed the strict CBOR rules of §3.3, and where they failed. */
  readonly cbor: 'accepted' | 'rejected' | 'not decoded';
  readonly offset?: number;
}

/** What the reference implementation answers to `request`. */
function referenceAnswer(request: Uint8Array): ReferenceAnswer {
  const cbor = cborVerdict(request);
  try {
    decodeRequest(request);
    return { status: 'OK', ...cbor };
  } catch (error) {
    const status = (error as { status?: number }).status;
    const name = (Object.keys(Status) as (keyof typeof Status)[]).find((key) => Status[key] === status);
    if (!(error instanceof HkeyError) || name === undefined) throw error;
    return { status: name, ...cbor };
  }
}

function cborVerdict(request: Uint8Array): Pick<ReferenceAnswer, 'cbor' | 'offset'> {
  if (request.length === 0 || commandName(request[0] as number) === undefined) return { cbor: 'not decoded' };
  try {
    decodeMessageParams(request, 1);
    return { cbor: 'accepted' };
  } catch (error) {
    return { cbor: 'rejected', offset: (error as CborError).offset };
  }
}

export function codecVectors() {
  return {
    description:
      'HKP/1 message layer: whole requests (command byte, then CBOR parameters) and the status byte a key answers with (docs/protocol.md §3.1 to §3.6). ' +
      '"cbor" tells whether the parameters pass the strict CBOR rules of §3.3; "offset" is the byte of the request where they failed. ' +
      'GetInfo (0x01) takes no parameters, so a request whose CBOR is accepted but carries key 1 answers UNKNOWN_PARAMETER.',
    rules: MESSAGE_RULES.map((rule) => ({
      case: rule.id,
      spec: rule.spec,
      title: rule.title,
      vectors: rule.vectors.map((item) => {
        const request = fromHex(item.request);
        const reference = referenceAnswer(request);
        if (reference.status !== item.status) {
          throw new Error(`${rule.id}: the reference implementation answers ${reference.status} to ${item.request}, the table says ${item.status}.`);
        }
        return {
          request: toHex(request, ''),
          status: item.status,
          statusByte: Status[item.status],
          cbor: reference.cbor,
          offset: reference.offset,
          why: item.why,
        };
      }),
    })),
  };
}
