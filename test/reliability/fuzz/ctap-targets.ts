/**
 * Fuzz targets of the security-key codecs (docs/reliability.md): CTAP2 canonical CBOR (decodeCtap) and U2F APDUs
 * (decodeU2fRequest and the key's U2F handler). A case is one byte string (CBOR) or one APDU (U2F).
 */
import fc from 'fast-check';
import { CtapError, CtapStatus, U2fInstruction, U2fStatusWord, decodeCtap, decodeU2fRequest, encodeCtap, encodeU2fRequest, sha256 } from '@hkey/protocol';
import { ManualClock, MemoryStore, VirtualKey, autoApprove, seededRandom } from '@hkey/firmware-sim';
import { check, checkAsync } from './budget.js';
import { PLACEHOLDER_ID, ctapBody, looseEncode } from './ctap-values.js';
import { generator, mutatedBytes, nearValidBytes, seededBytes } from './mutate.js';
import { fail, hex, sameBytes } from './oracle.js';

// ---------------------------------------------------------------------------------------------------------------
// CTAP2 canonical CBOR (CTAP 2.1 §8, docs/protocol.md §9.2)

const canonicalBodies = ctapBody.map((body) => encodeCtap(body));

/** Bodies written with deviations: `refused` says the decoder must refuse them whatever else holds. */
const looseBodies = fc.tuple(ctapBody, fc.integer(), fc.constantFrom(0.05, 0.15, 0.4)).map(([body, seed, rate]) => looseEncode(body, generator(seed), rate));

const ctapInput: fc.Arbitrary<{ bytes: Uint8Array; refused: boolean }> = fc.oneof(
  { weight: 2, arbitrary: canonicalBodies.map((bytes) => ({ bytes, refused: false })) },
  { weight: 4, arbitrary: looseBodies },
  {
    weight: 4,
    arbitrary: nearValidBytes(
      fc.oneof(
        canonicalBodies,
        looseBodies.map((loose) => loose.bytes),
      ),
      48,
    ).map((bytes) => ({ bytes, refused: false })),
  },
);

/** The property of decodeCtap, exported for regressions.test.ts. */
export function checkCtapDecoding(input: Uint8Array, refused: boolean): void {
  let value;
  try {
    value = decodeCtap(input);
  } catch (error) {
    if (!(error instanceof CtapError)) throw error;
    if (error.status !== CtapStatus.INVALID_CBOR) fail(`decodeCtap refused ${hex(input)} with ${error.code} instead of CTAP_INVALID_CBOR`);
    return;
  }
  if (refused) fail(`decodeCtap accepted ${hex(input)}, which breaks a rule of CTAP2's canonical form`);
  let again: Uint8Array;
  try {
    again = encodeCtap(value);
  } catch {
    fail(`decodeCtap accepted ${hex(input)}, whose value encodeCtap cannot write`);
  }
  if (!sameBytes(again, input)) fail(`decodeCtap accepted ${hex(input)}, which does not re-encode identically`);
}

export function ctapCborProperty(): fc.IPropertyWithHooks<[{ bytes: Uint8Array; refused: boolean }]> {
  return fc.property(ctapInput, ({ bytes, refused }) => checkCtapDecoding(bytes, refused));
}

export function fuzzCtapCbor(cases: number): number {
  check(ctapCborProperty(), cases);
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// U2F APDUs (U2F Raw Message Formats v1.2, docs/protocol.md §9.6)

const STATUS_WORDS = new Set<number>(Object.values(U2fStatusWord));
export const U2F_APPLICATION = sha256(new TextEncoder().encode('example.com'));

function shortApdu(ins: number, p1: number, data: Uint8Array, le: boolean): Uint8Array {
  return Uint8Array.from([0, ins, p1, 0, ...(data.length > 0 ? [data.length, ...data] : []), ...(le ? [0] : [])]);
}

/** Valid requests in both length forms (key handles as PLACEHOLDER_ID), then their mutants and random APDUs. */
const u2fRequest: fc.Arbitrary<Uint8Array> = (() => {
  const challenge = seededBytes(32, 32);
  const application = fc.oneof(fc.constant(U2F_APPLICATION), seededBytes(32, 32));
  const register = fc.tuple(challenge, application).map(([c, a]) => ({ ins: U2fInstruction.REGISTER, p1: 0, data: Uint8Array.from([...c, ...a]) }));
  const authenticate = fc
    .tuple(
      challenge,
      application,
      fc.constantFrom(0x03, 0x07, 0x08, 0x00, 0x83),
      fc.oneof({ weight: 4, arbitrary: fc.constant(PLACEHOLDER_ID) }, { weight: 1, arbitrary: seededBytes(0, 64) }),
    )
    .map(([c, a, p1, handle]) => ({ ins: U2fInstruction.AUTHENTICATE, p1, data: Uint8Array.from([...c, ...a, handle.length, ...handle]) }));
  const version = fc.constant({ ins: U2fInstruction.VERSION, p1: 0, data: new Uint8Array(0) });
  const other = fc.tuple(fc.integer({ min: 0, max: 255 }), seededBytes(0, 8)).map(([ins, data]) => ({ ins, p1: 0, data }));
  const valid = fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: register }, { weight: 6, arbitrary: authenticate }, { weight: 2, arbitrary: version }, { weight: 1, arbitrary: other }),
      fc.integer({ min: 0, max: 2 }),
    )
    .map(([request, form]) => (form === 0 ? encodeU2fRequest({ cla: 0, p2: 0, ...request }) : shortApdu(request.ins, request.p1, request.data, form === 2)));
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 5, arbitrary: mutatedBytes(valid, 3) }, { weight: 1, arbitrary: seededBytes(0, 80) });
})();

function replacePlaceholder(apdu: Uint8Array, id: Uint8Array | undefined): Uint8Array {
  if (id === undefined) return apdu;
  const at = Buffer.from(apdu).indexOf(Buffer.from(PLACEHOLDER_ID));
  if (at < 0) return apdu;
  const out = apdu.slice();
  out.set(id, at);
  return out;
}

/** decodeU2fRequest's answer must be the APDU's own header, and data exactly where its Lc says, followed by at most an Le. */
function checkU2fDecoding(apdu: Uint8Array): void {
  const request = decodeU2fRequest(apdu);
  if (request === undefined) {
    if (apdu.length >= 4 && apdu.length <= 5) fail(`decodeU2fRequest refused the header-only APDU ${hex(apdu)}`);
    return;
  }
  if (request.cla !== apdu[0] || request.ins !== apdu[1] || request.p1 !== apdu[2] || request.p2 !== apdu[3])
    fail(`decodeU2fRequest misread the header of ${hex(apdu)}`);
  if (request.data.length === 0) return;
  const extended = apdu[4] === 0;
  const start = extended ? 7 : 5;
  const lc = extended ? ((apdu[5] as number) << 8) | (apdu[6] as number) : (apdu[4] as number);
  if (lc !== request.data.length || !sameBytes(request.data, apdu.subarray(start, start + lc)))
    fail(`decodeU2fRequest returned data that ${hex(apdu)} does not carry at its Lc`);
  if (!(extended ? [0, 2] : [0, 1]).includes(apdu.length - start - lc)) fail(`decodeU2fRequest accepted ${hex(apdu)}, whose length does not add up`);
}

const U2F_PER_RUN = 24;
/** fast-check favours short arrays: runs of up to U2F_PER_RUN APDUs average about this many. */
const U2F_AVERAGE_RUN = 6;

export async function fuzzU2f(cases: number): Promise<number> {
  let apdus = 0;
  await checkAsync(
    fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.array(u2fRequest, { minLength: 1, maxLength: U2F_PER_RUN }), async (keySeed, requests) => {
      const key = await VirtualKey.start({
        store: new MemoryStore(),
        clock: new ManualClock(Date.UTC(2026, 10, 23)),
        random: seededRandom(keySeed),
        presence: autoApprove,
      });
      const session = key.openSession('virtual');
      const handles: Uint8Array[] = [];
      for (const [index, request] of requests.entries()) {
        const apdu = replacePlaceholder(request, handles[index % Math.max(1, handles.length)]);
        checkU2fDecoding(apdu);
        const response = await session.u2f(apdu);
        apdus++;
        if (response === undefined || response.length < 2) fail(`the key gave no status word for ${hex(apdu)}`);
        const word = ((response[response.length - 2] as number) << 8) | (response[response.length - 1] as number);
        if (!STATUS_WORDS.has(word)) fail(`the key answered ${hex(apdu)} with status word ${word.toString(16)}`);
        if (word !== U2fStatusWord.NO_ERROR && response.length !== 2) fail(`status word ${word.toString(16)} came with data`);
        if (word === U2fStatusWord.NO_ERROR && apdu[1] === U2fInstruction.REGISTER) {
          if (response[0] !== 0x05) fail('a registration response lacks its reserved byte 05');
          handles.push(response.slice(67, 67 + (response[66] as number)));
        }
        // autoApprove answers the button wait a U2F request starts within a few microtasks.
        await Promise.resolve();
      }
    }),
    Math.ceil(cases / U2F_AVERAGE_RUN),
  );
  return apdus;
}
