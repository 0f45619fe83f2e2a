/**
 * Fuzz targets of the protocol package's parsers: base32, CBOR, whole messages, otpauth URIs, command parameters,
 * the CTAPHID receiver and the BLE link frame reader. Each returns the number of cases it ran. A case is one input
 * (one text, one byte string, one message, one URI, one HID report, one link byte stream).
 */
import fc from 'fast-check';
import {
  Base32Error,
  BleLinkFrameReader,
  type CborMap,
  CborError,
  type CborValue,
  type CommandName,
  Commands,
  FramingError,
  HID_BROADCAST_CID,
  HID_MAX_MESSAGE_SIZE,
  HidCommand,
  HidError,
  HidReceiver,
  type HidReceiveResult,
  MessageError,
  OtpauthError,
  Status,
  decodeBase32,
  decodeCbor,
  decodeMessageParams,
  decodeRequest,
  decodeResponse,
  encodeBase32,
  encodeBleLinkFrame,
  encodeCbor,
  encodeHidMessage,
  encodeMessage,
  encodeRequest,
  formatOtpauthUri,
  parseOtpauthUri,
  statusName,
} from '@hkey/protocol';
import { check } from './budget.js';
import { anyText, mutateBytes, mutatedText, nearValidBytes, position, seededBytes, seededText } from './mutate.js';
import { expectedDecoding, requestMap } from './schema-values.js';
import { fail, hex, sameBytes } from './oracle.js';

const COMMANDS = Object.keys(Commands) as CommandName[];

// ---------------------------------------------------------------------------------------------------------------
// base32 (docs/protocol.md §7.3)

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32_CODES = new Set(['BASE32_EMPTY', 'BASE32_INVALID_CHARACTER', 'BASE32_INVALID_PADDING', 'BASE32_INVALID_LENGTH', 'BASE32_NONZERO_TRAILING_BITS']);

/** §7.3 written out independently: the code the text must get, or the canonical spelling of its bytes. */
function base32Reference(text: string): { code: string; position: number } | { canonical: string } {
  let data = '';
  let lastData = -1;
  let firstPad = -1;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === ' ' || c === '-') continue;
    if (c === '=') {
      if (firstPad < 0) firstPad = i;
      pads++;
      continue;
    }
    if (!/^[A-Za-z2-7]$/.test(c)) return { code: 'BASE32_INVALID_CHARACTER', position: i };
    if (firstPad >= 0) return { code: 'BASE32_INVALID_PADDING', position: i };
    data += c.toUpperCase();
    lastData = i;
  }
  if (data.length === 0) return { code: 'BASE32_EMPTY', position: -1 };
  const padding = [0, -1, 6, -1, 4, 3, -1, 1][data.length % 8] as number;
  if (padding < 0) return { code: 'BASE32_INVALID_LENGTH', position: -1 };
  if (pads > 0 && pads !== padding) return { code: 'BASE32_INVALID_PADDING', position: firstPad };
  const unusedBits = (data.length * 5) % 8;
  const last = BASE32_ALPHABET.indexOf(data.at(-1) as string);
  if ((last & ((1 << unusedBits) - 1)) !== 0) return { code: 'BASE32_NONZERO_TRAILING_BITS', position: lastData };
  return { canonical: data };
}

const base32Text = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .tuple(seededBytes(0, 70), fc.integer({ min: 0, max: 2 }))
      .map(([bytes, style]) => [encodeBase32(bytes), encodeBase32(bytes, { padding: true }), encodeBase32(bytes).toLowerCase()][style] as string),
  },
  {
    weight: 6,
    arbitrary: mutatedText(
      seededBytes(0, 40).map((bytes) => encodeBase32(bytes, { padding: bytes.length % 2 === 0 })),
      ['=', '==', ' ', '-', 'a', 'Z', '1', '8', '0', 'O', '\u00e9', '\ud83d\ude00', '\u0130', '\u017f', '\u212a'],
    ),
  },
  { weight: 1, arbitrary: anyText },
);

export function fuzzBase32(cases: number): number {
  check(
    fc.property(base32Text, (text) => {
      const expected = base32Reference(text);
      let bytes: Uint8Array;
      try {
        bytes = decodeBase32(text);
      } catch (error) {
        if (!(error instanceof Base32Error) || !BASE32_CODES.has(error.code)) throw error;
        if ('canonical' in expected) fail(`refused valid base32 with ${error.code}`);
        if (error.code !== expected.code || error.position !== expected.position)
          fail(`answered ${error.code}@${error.position}, §7.3 says ${expected.code}@${expected.position}`);
        // Errors name positions, never characters (§7.3): the text (a secret) must not be in the message.
        if (text.length >= 4 && error.message.includes(text)) fail('the error message repeats the input');
        return;
      }
      if (!('canonical' in expected)) fail(`accepted text that §7.3 refuses with ${expected.code}`);
      if (encodeBase32(bytes) !== expected.canonical) fail('decoded bytes do not re-encode to the canonical spelling');
    }),
    cases,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// CBOR (docs/protocol.md §3.2, §3.3)

const integers = fc.oneof(
  fc.constantFrom<CborValue>(
    0,
    23,
    24,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    -1,
    -24,
    -25,
    -256,
    -257,
    -(2 ** 32),
    -Number.MAX_SAFE_INTEGER,
    2n ** 64n - 1n,
    -(2n ** 64n),
  ),
  fc.integer({ min: -70000, max: 70000 }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 64n), max: -(2n ** 53n) - 1n }),
);

const scalars: fc.Arbitrary<CborValue> = fc.oneof(
  { weight: 3, arbitrary: integers },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: anyText },
  { weight: 1, arbitrary: seededText(['a', 'b', '~', '0'], 250, 256) },
  { weight: 2, arbitrary: seededBytes(0, 24) },
);

/** Values within the HKP/1 limits; `depth` containers already enclose them. */
function cborValues(depth: number): fc.Arbitrary<CborValue> {
  if (depth === 4) return scalars;
  const inner = cborValues(depth + 1);
  return fc.oneof(
    { weight: 4, arbitrary: scalars },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: depth === 0 ? 8 : 3 }) },
    { weight: 1, arbitrary: cborMaps(inner, depth === 0 ? 8 : 3) },
  );
}

function cborMaps(values: fc.Arbitrary<CborValue>, maxLength: number): fc.Arbitrary<CborMap> {
  return fc
    .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 255 })), values), { selector: ([key]) => key, maxLength })
    .map((entries) => new Map(entries));
}

const validCbor = cborValues(0).map((value) => encodeCbor(value));
const validParams = cborMaps(cborValues(1), 10).map((map) => encodeCbor(map));
/** Arrays and maps nested 3 to 7 deep around a scalar: the depth limit of §3.2.4 sits in the middle (§3.3.13). */
const deepCbor = fc
  .tuple(fc.array(fc.boolean(), { minLength: 3, maxLength: 7 }), scalars)
  .map(([levels, inner]) => encodeCbor(levels.reduce<CborValue>((value, isMap) => (isMap ? new Map([[1, value]]) : [value]), inner)));

/** Sequences of random heads: reaches every row of the initial-byte table (§3.3.3) with plausible arguments. */
const headSoup = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 24, max: 31 })), seededBytes(0, 8)), {
    minLength: 1,
    maxLength: 10,
  })
  .map((heads) =>
    Uint8Array.from(heads.flatMap(([major, info, tail]) => [(major << 5) | info, ...tail.subarray(0, info >= 24 && info <= 27 ? 2 ** (info - 24) : 0)])),
  );

const cborInput = fc.oneof({ weight: 8, arbitrary: nearValidBytes(fc.oneof(validCbor, validParams, deepCbor)) }, { weight: 2, arbitrary: headSoup });

function checkCborError(error: unknown, input: Uint8Array): void {
  if (!(error instanceof CborError)) throw error;
  if (!error.code.startsWith('CBOR_') || statusName(error.status) !== error.code) fail(`CborError ${error.code} carries status ${error.status}`);
  if (error.offset < 0 || error.offset > input.length) fail(`CborError offset ${error.offset} outside the ${input.length}-byte input`);
}

export function fuzzCbor(cases: number): number {
  check(
    fc.property(cborInput, (input) => {
      try {
        const value = decodeCbor(input);
        // §3.2.3: what the strict decoder accepts re-encodes to the very same bytes.
        if (!sameBytes(encodeCbor(value), input)) fail(`decodeCbor accepted ${hex(input)}, which does not re-encode identically`);
      } catch (error) {
        checkCborError(error, input);
      }
      try {
        const params = decodeMessageParams(input, 0);
        if (!(params instanceof Map)) fail('decodeMessageParams returned something other than a map');
        if (input.length > 0 && !sameBytes(encodeCbor(params), input)) fail(`decodeMessageParams accepted ${hex(input)}, which does not re-encode identically`);
      } catch (error) {
        checkCborError(error, input);
      }
    }),
    cases,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Whole messages: decodeRequest / decodeResponse (docs/protocol.md §3.1, §3.6)

const requestMaps = COMMANDS.map((command) =>
  requestMap(command, { invalid: true }).map((map) => encodeMessage(Commands[command].code, map.size === 0 ? undefined : map)),
);
const requests = nearValidBytes(fc.oneof(...requestMaps), 32);
const responses = nearValidBytes(
  fc
    .tuple(fc.oneof(fc.constantFrom(...Object.values(Status)), fc.integer({ min: 0, max: 255 })), cborMaps(cborValues(1), 10))
    .map(([status, map]) => encodeMessage(status, map.size === 0 ? undefined : map)),
  32,
);

function checkMessageError(error: unknown): void {
  if (error instanceof CborError) return;
  if (!(error instanceof MessageError)) throw error;
  const name = statusName(error.status);
  if (name === undefined || name === 'OK') fail(`MessageError ${error.code} carries status ${error.status}`);
}

export function fuzzMessages(cases: number): number {
  check(
    fc.property(requests, responses, fc.constantFrom(...COMMANDS), (request, response, command) => {
      try {
        const decoded = decodeRequest(request);
        const canonical = request.length === 2 && request[1] === 0xa0 ? request.subarray(0, 1) : request;
        if (!sameBytes(encodeRequest(decoded.command, decoded.params as never), canonical))
          fail(`decodeRequest accepted ${hex(request)}, which does not re-encode identically`);
      } catch (error) {
        checkMessageError(error);
      }
      try {
        decodeResponse(command, response);
      } catch (error) {
        checkMessageError(error);
      }
    }),
    Math.ceil(cases / 2),
  );
  return Math.ceil(cases / 2) * 2;
}

// ---------------------------------------------------------------------------------------------------------------
// Command parameters against the §3.4 oracle

const parameterCases = fc.oneof(...COMMANDS.map((command) => requestMap(command, { invalid: true }).map((map) => [command, map] as const)));
const SECRET_FIELDS = ['pin', 'currentPin', 'newPin', 'password'];

export function fuzzParameterOracle(cases: number): number {
  check(
    fc.property(parameterCases, ([command, map]) => {
      const expected = expectedDecoding(Commands[command].request, map);
      const message = encodeMessage(Commands[command].code, map.size === 0 ? undefined : map);
      let error: unknown;
      try {
        decodeRequest(message);
      } catch (caught) {
        error = caught;
      }
      if (error === undefined) {
        if (expected.status !== 'OK') fail(`${command} parameters accepted; §3.4 says ${expected.status} on ${expected.field}`);
        return;
      }
      if (!(error instanceof MessageError || error instanceof CborError)) throw error;
      const got = statusName(error.status);
      const field = error instanceof MessageError ? error.field : undefined;
      if (got !== expected.status || field !== expected.field)
        fail(`${command}: answered ${got} on ${field}; §3.4 says ${expected.status} on ${expected.field}`);
      // §6.4: error messages never echo parameter values.
      for (const [name, field] of Object.entries(Commands[command].request)) {
        const value = map.get(field.key);
        if (SECRET_FIELDS.includes(name) && typeof value === 'string' && value.length >= 4 && error.message.includes(value))
          fail(`the ${name} value is in the error message`);
      }
    }),
    cases,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// otpauth URIs (docs/protocol.md §7.4)

const OTPAUTH_FIELDS = new Set(['scheme', 'type', 'label', 'fragment', 'secret', 'issuer', 'algorithm', 'digits', 'period', 'counter', 'parameter']);
const displayText = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).map((text) => text.trim() || 'x');

const validUri = fc
  .record({
    type: fc.constantFrom('totp' as const, 'hotp' as const),
    accountName: displayText.map((text) => text.replaceAll(':', '')).map((text) => text.trim() || 'alice'),
    issuer: fc.option(displayText, { nil: undefined }),
    secret: seededBytes(10, 64),
    algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
    digits: fc.constantFrom(6 as const, 7 as const, 8 as const),
    period: fc.integer({ min: 1, max: 3600 }),
    counter: fc.oneof(fc.nat(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n })),
  })
  .map((params) => {
    try {
      return formatOtpauthUri(params.type === 'totp' ? { ...params, type: 'totp' } : { ...params, type: 'hotp' });
    } catch {
      // A generated name the formatter refuses (controls, unpaired surrogates): a plain valid URI instead.
      return 'otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example';
    }
  });

const URI_PIECES = [
  '%',
  '%3A',
  '%3a',
  '%23',
  '#',
  '&',
  '&&',
  '=',
  '?',
  ':',
  '/',
  '+',
  '%2',
  '%C3%28',
  '%00',
  '%E2%80',
  '%ED%A0%80',
  'secret=',
  'Secret=',
  'issuer=',
  'algorithm=',
  'digits=',
  'period=',
  'counter=',
  'peroid=',
  'image=x',
  'SHA256',
  'sha1',
  'MD5',
  'otpauth://',
  'OTPAUTH://',
  'hotp',
  'TOTP',
  ' ',
  '\u0000',
  '\u0085',
  '\ud800',
  'JBSWY3DPEHPK3PXP',
  '====',
  '0',
  '00',
  '9',
  '3601',
  '18446744073709551615',
  '18446744073709551616',
];
const uris = fc.oneof(
  { weight: 2, arbitrary: validUri },
  { weight: 7, arbitrary: mutatedText(validUri, URI_PIECES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => `otpauth://${text}`) },
);

export function fuzzOtpauth(cases: number): number {
  check(
    fc.property(uris, fc.boolean(), (uri, allowUnknownParameters) => {
      let parsed;
      try {
        parsed = parseOtpauthUri(uri, { allowUnknownParameters });
      } catch (error) {
        if (!(error instanceof OtpauthError) || !error.code.startsWith('OTPAUTH_')) throw error;
        if (!OTPAUTH_FIELDS.has(error.field) && !OTPAUTH_FIELDS.has(error.field.toLowerCase()))
          fail(`${error.code} names the undefined field "${error.field}"`);
        // §7.4: no message repeats the URI or any value from it; the secret is the one that matters.
        const secret = /[?&]secret=([^&#]*)/.exec(uri)?.[1];
        if (error.message.includes(uri) || (secret !== undefined && secret.length >= 6 && error.message.includes(secret)))
          fail(`${error.code} repeats the URI or its secret`);
        return;
      }
      if (parsed.secret.length < 10 || parsed.secret.length > 64) fail('a parsed secret is outside 10..64 bytes');
      // §7.4: parsing a formatted URI gives back exactly what was formatted.
      const again = parseOtpauthUri(formatOtpauthUri(parsed));
      if (
        JSON.stringify(again, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? hex(value) : value)) !==
        JSON.stringify(parsed, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? hex(value) : value))
      ) {
        fail('a parsed URI does not survive format and parse unchanged');
      }
    }),
    cases,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// CTAPHID receiver (docs/protocol.md §1.11, §1.12)

const ALLOCATED = [0x11111111, 0x22222222];
const CIDS = [...ALLOCATED, 0x33333333, 0, HID_BROADCAST_CID];
const HID_ERROR_CODES = new Set<number>(Object.values(HidError));
const HID_COMMANDS = Object.values(HidCommand);

type HidStep =
  | { readonly kind: 'report'; readonly report: Uint8Array; readonly dt: number }
  | { readonly kind: 'poll'; readonly dt: number }
  | { readonly kind: 'busy'; readonly cid: number | undefined }
  | { readonly kind: 'lock'; readonly cid: number; readonly ms: number }
  | { readonly kind: 'reset'; readonly cid: number | undefined };

/** One message cut into reports, some of them edited, dropped, repeated or resized. */
const hidMessageReports = fc
  .record({
    cid: fc.oneof(fc.constantFrom(...CIDS), fc.integer({ min: 0, max: 0xffffffff })),
    cmd: fc.oneof(fc.constantFrom(...HID_COMMANDS), fc.integer({ min: 0, max: 0x7f })),
    length: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom(57, 58, 116, 117, 1000, HID_MAX_MESSAGE_SIZE) },
    ),
    edits: fc.array(fc.tuple(fc.nat(), fc.constantFrom('mutate' as const, 'drop' as const, 'repeat' as const, 'resize' as const)), { maxLength: 3 }),
    tweak: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 2 }),
    size: fc.constantFrom(0, 1, 7, 63, 65, 128),
  })
  .map(({ cid, cmd, length, edits, tweak, size }) => {
    const reports: Uint8Array[] = encodeHidMessage(
      cid === 0 ? 0x33333333 : cid,
      cid === HID_BROADCAST_CID ? HidCommand.INIT : cmd,
      new Uint8Array(length).fill(0x5a),
    ).map((report) => report.slice());
    if (cid === 0) for (const report of reports) report.fill(0, 0, 4);
    if (cid === HID_BROADCAST_CID) (reports[0] as Uint8Array)[4] = 0x80 | cmd;
    for (const [index, edit] of edits) {
      const at = index % reports.length;
      const report = reports[at] as Uint8Array;
      if (edit === 'mutate')
        reports[at] = mutateBytes(
          report,
          tweak.map(([where, bit]) => ({ kind: 'flip', at: where, bit })),
        ).slice(0, 64);
      else if (edit === 'drop') reports.splice(at, 1);
      else if (edit === 'repeat') reports.splice(at, 0, report);
      else reports[at] = report.slice(0, size).length === size ? report.slice(0, size) : Uint8Array.from({ length: size }, (_, i) => report[i] ?? 0);
      if (reports.length === 0) break;
    }
    return reports;
  });

const hidSteps: fc.Arbitrary<HidStep[]> = fc
  .array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(hidMessageReports, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 700 })))
          .map(([reports, dt]) => reports.map((report): HidStep => ({ kind: 'report', report, dt }))),
      },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1200 }).map((dt): HidStep[] => [{ kind: 'poll', dt }]) },
      { weight: 1, arbitrary: fc.option(fc.constantFrom(...CIDS), { nil: undefined }).map((cid): HidStep[] => [{ kind: 'busy', cid }]) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CIDS), fc.constantFrom(0, 1000, 10000)).map(([cid, ms]): HidStep[] => [{ kind: 'lock', cid, ms }]) },
      { weight: 1, arbitrary: fc.option(fc.constantFrom(...CIDS), { nil: undefined }).map((cid): HidStep[] => [{ kind: 'reset', cid }]) },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((groups) => groups.flat());

function checkHidResult(result: HidReceiveResult | undefined, input: Uint8Array | undefined): void {
  if (result === undefined) return;
  if (result.type === 'error') {
    if (!HID_ERROR_CODES.has(result.code)) fail(`HidReceiver produced the undefined ERROR code ${result.code}`);
    // §1.8: a CANCEL is never answered; only another request's overdue MSG_TIMEOUT may come out with it.
    if (
      input &&
      input.length === 64 &&
      ((input[4] as number) & 0x7f) === HidCommand.CANCEL &&
      (input[4] as number) & 0x80 &&
      result.code !== HidError.MSG_TIMEOUT
    ) {
      fail(`a CANCEL packet was answered with ERROR ${result.code}`);
    }
    return;
  }
  if (
    result.cid === 0 ||
    (result.cid === HID_BROADCAST_CID && result.cmd !== HidCommand.INIT) ||
    (result.cid !== HID_BROADCAST_CID && !ALLOCATED.includes(result.cid))
  ) {
    fail(`HidReceiver delivered command ${result.cmd} on channel ${result.cid.toString(16)}, which may not carry it`);
  }
  if (result.cmd > 0x7f || result.payload.length > HID_MAX_MESSAGE_SIZE) fail('HidReceiver delivered an impossible message');
}

export function fuzzHidReceiver(cases: number): number {
  let reports = 0;
  // A run of up to 8 steps sends about 14 reports.
  const runs = Math.ceil(cases / 14);
  check(
    fc.property(hidSteps, (steps) => {
      const receiver = new HidReceiver({ isAllocated: (cid) => ALLOCATED.includes(cid) });
      let now = 1_000_000;
      for (const step of steps) {
        switch (step.kind) {
          case 'report':
            now += step.dt;
            reports++;
            checkHidResult(receiver.feed(step.report, now), step.report);
            break;
          case 'poll':
            now += step.dt;
            checkHidResult(receiver.poll(now), undefined);
            break;
          case 'busy':
            receiver.busyChannel = step.cid;
            break;
          case 'lock':
            receiver.lock(step.cid, step.ms, now);
            break;
          case 'reset':
            receiver.reset(step.cid);
            break;
        }
      }
      // Every partial request ends: after the timeout nothing is being received any more (§1.12).
      now += 100_000;
      checkHidResult(receiver.poll(now), undefined);
      if (receiver.assemblingChannel !== undefined) fail('a partial request outlived its timeout');
    }),
    runs,
  );
  return reports;
}

// ---------------------------------------------------------------------------------------------------------------
// BLE link frames (docs/protocol.md §8.2)

const linkFrames = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.oneof({ weight: 9, arbitrary: seededBytes(0, 40) }, { weight: 1, arbitrary: seededBytes(1000, 1023) })),
  { minLength: 1, maxLength: 6 },
);

export function fuzzBleLinkReader(cases: number): number {
  check(
    fc.property(
      linkFrames,
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      (frames, mutate, cuts, edits) => {
        const encoded = frames.map(([op, data]) => encodeBleLinkFrame(op, data));
        let stream: Uint8Array = Buffer.concat(encoded);
        if (mutate)
          stream = mutateBytes(
            stream,
            edits.map(([at, value]) => ({ kind: 'set', at, value })),
          );
        const reader = new BleLinkFrameReader();
        const received: { op: number; data: Uint8Array }[] = [];
        let offset = 0;
        for (let index = 0; offset < stream.length; index++) {
          const size = cuts[index % cuts.length] as number;
          try {
            received.push(...reader.push(stream.subarray(offset, offset + size)));
          } catch (error) {
            if (!(error instanceof FramingError) || error.code !== 'BLE_LINK_BAD_LENGTH') throw error;
            if (!mutate) fail('a valid frame stream was refused');
            return; // the link closes: nothing more is read
          }
          offset += size;
        }
        for (const frame of received) if (frame.data.length > 1023) fail('a frame longer than 1024 bytes came out');
        if (!mutate) {
          if (received.length !== frames.length) fail(`${frames.length} frames went in, ${received.length} came out`);
          received.forEach((frame, i) => {
            const [op, data] = frames[i] as [number, Uint8Array];
            if (frame.op !== op || !sameBytes(frame.data, data)) fail(`frame ${i} came out changed`);
          });
        }
      },
    ),
    cases,
  );
  return cases;
}
