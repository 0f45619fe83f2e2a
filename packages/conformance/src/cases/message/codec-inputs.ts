/**
 * Requests and the status a key answers them with (docs/protocol.md §3.1 to §3.6), one table per rule. The
 * expectations are written from the spec, not computed: the vector generator (generated/codec-vectors.ts)
 * checks the reference decoder against them, and the message-layer cases check the key. GetInfo (0x01) takes no parameters, so a request
 * whose CBOR is accepted but carries key 1 answers UNKNOWN_PARAMETER: "accepted by the CBOR layer".
 */
import type { StatusName } from '@hkey/protocol';

export interface MessageVector {
  /** The whole request as hex: command byte, then parameters. */
  readonly request: string;
  readonly status: StatusName;
  readonly why: string;
}

export interface MessageRule {
  /** The message-layer case that checks this rule. */
  readonly id: string;
  readonly title: string;
  readonly spec: string;
  readonly vectors: readonly MessageVector[];
}

const ACCEPTED = 'UNKNOWN_PARAMETER';
/** GetInfo with `params`. */
const info = (params: string): string => `01 ${params}`;
/** GetInfo with {1: item}: the item is judged as a map value. */
const value = (item: string): string => info(`a1 01 ${item}`);
const repeat = (hexByte: string, count: number): string => Array.from({ length: count }, () => hexByte).join(' ');
const vector = (request: string, status: StatusName, why: string): MessageVector => ({ request, status, why });
/** `count` map pairs with keys 0, 1, 2, … and value 0. */
const pairs = (count: number): string =>
  Array.from({ length: count }, (_, key) => `${key < 24 ? key.toString(16).padStart(2, '0') : `18 ${key.toString(16)}`} 00`).join(' ');
const TEN_BYTE_SECRET = `4a ${repeat('00', 10)}`;
/** AccountCreate {2: "x", 9: otp} with the OTP map given. */
const createWithOtp = (otp: string): string => `12 a2 02 61 78 09 ${otp}`;

export const MESSAGE_RULES: readonly MessageRule[] = [
  {
    id: 'MSG-01',
    title: 'An empty message is answered INVALID_LENGTH',
    spec: '§3.1, §3.6 step 1',
    vectors: [vector('', 'INVALID_LENGTH', 'no command byte')],
  },
  {
    id: 'MSG-02',
    title: 'Command bytes HKP/1 does not define are answered INVALID_COMMAND, before the parameters are read',
    spec: '§3.6 step 2, §4.1',
    vectors: [
      ...['00', '0a', '0f', '15', '22', '2f', '31', '3e', '40', '7f', '80', 'ff'].map((code) => vector(code, 'INVALID_COMMAND', `command 0x${code}`)),
      vector('0a ff', 'INVALID_COMMAND', 'the command byte is judged before the (broken) parameters'),
    ],
  },
  {
    id: 'MSG-03',
    title: 'No parameters and the empty map A0 mean the same',
    spec: '§3.1, §3.2.1',
    vectors: [
      vector('01', 'OK', 'GetInfo without parameters'),
      vector('01 a0', 'OK', 'GetInfo with the empty map'),
      vector('30', 'OK', 'Wink without parameters'),
      vector('30 a0', 'OK', 'Wink with the empty map'),
    ],
  },
  {
    id: 'MSG-04',
    title: 'Parameters that are not a map are answered CBOR_NOT_A_MAP, decided from the first byte',
    spec: '§3.3.17',
    vectors: [
      vector(info('01'), 'CBOR_NOT_A_MAP', 'an unsigned integer'),
      vector(info('80'), 'CBOR_NOT_A_MAP', 'an empty array'),
      vector(info('9f ff'), 'CBOR_NOT_A_MAP', 'an indefinite array'),
      vector(info('c0 a0'), 'CBOR_NOT_A_MAP', 'a tagged map'),
      vector(info('f6'), 'CBOR_NOT_A_MAP', 'null'),
      vector(info('fb 00 00 00 00 00 00 00 00'), 'CBOR_NOT_A_MAP', 'a float'),
      vector(info('60'), 'CBOR_NOT_A_MAP', 'an empty text string'),
      vector(info('bf ff'), 'CBOR_INDEFINITE_LENGTH', 'a map head that breaks another rule reports that rule'),
      vector(info('bc'), 'CBOR_MALFORMED', 'a map head with reserved additional information'),
    ],
  },
  {
    id: 'MSG-05',
    title: 'Truncated items and reserved initial bytes are answered CBOR_MALFORMED',
    spec: '§3.3.4',
    vectors: [
      vector(info('a1'), 'CBOR_MALFORMED', 'a map with its key missing'),
      vector(info('a1 01'), 'CBOR_MALFORMED', 'a map with its value missing'),
      vector(info('a1 18'), 'CBOR_MALFORMED', 'a key whose argument byte is missing'),
      vector(value('18'), 'CBOR_MALFORMED', 'a 1-byte argument missing'),
      vector(value('1b 00 00 00 01 00 00 00'), 'CBOR_MALFORMED', 'an 8-byte argument cut short'),
      vector(value('62 61'), 'CBOR_MALFORMED', 'a text string shorter than declared'),
      vector(value('82 01'), 'CBOR_MALFORMED', 'an array missing its second item'),
      vector(value('1c'), 'CBOR_MALFORMED', 'reserved additional information 28'),
      vector(value('fe'), 'CBOR_MALFORMED', 'reserved additional information 30 in major type 7'),
      vector(value('1f'), 'CBOR_MALFORMED', 'an integer with indefinite length'),
      vector(value('3f'), 'CBOR_MALFORMED', 'a negative integer with indefinite length'),
    ],
  },
  {
    id: 'MSG-06',
    title: 'Bytes after the parameter map are answered CBOR_TRAILING_BYTES',
    spec: '§3.3.5',
    vectors: [
      vector(info('a0 00'), 'CBOR_TRAILING_BYTES', 'a byte after the empty map'),
      vector(info('a1 01 00 00'), 'CBOR_TRAILING_BYTES', 'a byte after a map'),
      vector(info('a0 ff'), 'CBOR_TRAILING_BYTES', 'a break byte after a definite map is trailing, not a break'),
      vector(info('a0 f6'), 'CBOR_TRAILING_BYTES', 'trailing bytes are not decoded: a null after the map is still trailing'),
      vector(info('a1 01 02 a1'), 'CBOR_TRAILING_BYTES', 'a second map'),
    ],
  },
  {
    id: 'MSG-07',
    title: 'Arguments not in their shortest form are answered CBOR_NOT_CANONICAL',
    spec: '§3.3.6, §3.2.3',
    vectors: [
      vector(value('18 05'), 'CBOR_NOT_CANONICAL', '5 in a 1-byte argument'),
      vector(value('18 17'), 'CBOR_NOT_CANONICAL', '23 in a 1-byte argument (the boundary)'),
      vector(value('19 00 ff'), 'CBOR_NOT_CANONICAL', '255 in a 2-byte argument'),
      vector(value('1a 00 00 ff ff'), 'CBOR_NOT_CANONICAL', '65535 in a 4-byte argument'),
      vector(value('1b 00 00 00 00 ff ff ff ff'), 'CBOR_NOT_CANONICAL', '2^32-1 in an 8-byte argument'),
      vector(value('38 05'), 'CBOR_NOT_CANONICAL', '-6 in a 1-byte argument'),
      vector(value('58 01 00'), 'CBOR_NOT_CANONICAL', 'a byte string length in a 1-byte argument'),
      vector(value('98 01 00'), 'CBOR_NOT_CANONICAL', 'an array count in a 1-byte argument'),
      vector(info('b8 00'), 'CBOR_NOT_CANONICAL', 'a map count in a 1-byte argument'),
      vector(info('a1 18 05 00'), 'CBOR_NOT_CANONICAL', 'map key 5 in a 1-byte argument'),
      vector(value('18 18'), ACCEPTED, '24 is the smallest value a 1-byte argument may carry'),
    ],
  },
  {
    id: 'MSG-08',
    title: 'Indefinite lengths and stray break bytes are answered CBOR_INDEFINITE_LENGTH',
    spec: '§3.3.7',
    vectors: [
      vector(info('bf ff'), 'CBOR_INDEFINITE_LENGTH', 'an indefinite map'),
      vector(value('9f ff'), 'CBOR_INDEFINITE_LENGTH', 'an indefinite array'),
      vector(value('5f 41 00 ff'), 'CBOR_INDEFINITE_LENGTH', 'an indefinite byte string'),
      vector(value('7f ff'), 'CBOR_INDEFINITE_LENGTH', 'an indefinite text string'),
      vector(value('ff'), 'CBOR_INDEFINITE_LENGTH', 'a break byte where an item is expected'),
      vector(value('82 00 ff'), 'CBOR_INDEFINITE_LENGTH', 'a break byte as an array item'),
    ],
  },
  {
    id: 'MSG-09',
    title: 'A map key equal to the one before it is answered CBOR_DUPLICATE_KEY',
    spec: '§3.3.8',
    vectors: [
      vector(info('a2 01 00 01 00'), 'CBOR_DUPLICATE_KEY', 'key 1 twice'),
      vector(info('a2 18 20 00 18 20 00'), 'CBOR_DUPLICATE_KEY', 'key 32 twice'),
      vector(value('a2 00 00 00 01'), 'CBOR_DUPLICATE_KEY', 'a duplicate inside a nested map'),
    ],
  },
  {
    id: 'MSG-10',
    title: 'A map key smaller than the one before it is answered CBOR_UNSORTED_KEYS',
    spec: '§3.3.9',
    vectors: [
      vector(info('a2 02 00 01 00'), 'CBOR_UNSORTED_KEYS', 'keys 2, 1'),
      vector(info('a2 18 20 00 17 00'), 'CBOR_UNSORTED_KEYS', 'a 1-byte key before a smaller immediate key'),
      vector(value('a2 01 00 00 00'), 'CBOR_UNSORTED_KEYS', 'unsorted keys inside a nested map'),
    ],
  },
  {
    id: 'MSG-11',
    title: 'Tags are answered CBOR_TAG_NOT_ALLOWED, whatever they enclose',
    spec: '§3.3.10',
    vectors: [
      vector(value('c0 60'), 'CBOR_TAG_NOT_ALLOWED', 'tag 0'),
      vector(value('c2 49 01 00 00 00 00 00 00 00 00'), 'CBOR_TAG_NOT_ALLOWED', 'bignum 2^64'),
      vector(value('d8 20 60'), 'CBOR_TAG_NOT_ALLOWED', 'tag 32'),
      vector(value('d9 d9 f7 00'), 'CBOR_TAG_NOT_ALLOWED', 'self-described CBOR'),
      vector(value('d8'), 'CBOR_TAG_NOT_ALLOWED', 'a tag is refused by its initial byte, even when cut short'),
    ],
  },
  {
    id: 'MSG-12',
    title: 'Floating-point numbers are answered CBOR_FLOAT_NOT_ALLOWED, integral values and NaN included',
    spec: '§3.3.11',
    vectors: [
      vector(value('f9 3c 00'), 'CBOR_FLOAT_NOT_ALLOWED', 'half-precision 1.0'),
      vector(value('f9 7e 00'), 'CBOR_FLOAT_NOT_ALLOWED', 'half-precision NaN'),
      vector(value('fa 47 c3 50 00'), 'CBOR_FLOAT_NOT_ALLOWED', 'single-precision 100000.0'),
      vector(value('fb 3f f1 99 99 99 99 99 9a'), 'CBOR_FLOAT_NOT_ALLOWED', 'double-precision 1.1'),
      vector(value('f9'), 'CBOR_FLOAT_NOT_ALLOWED', 'a float is refused by its initial byte, even when cut short'),
    ],
  },
  {
    id: 'MSG-13',
    title: 'Simple values other than false and true are answered CBOR_SIMPLE_NOT_ALLOWED',
    spec: '§3.3.12',
    vectors: [
      vector(value('f6'), 'CBOR_SIMPLE_NOT_ALLOWED', 'null'),
      vector(value('f7'), 'CBOR_SIMPLE_NOT_ALLOWED', 'undefined'),
      vector(value('e0'), 'CBOR_SIMPLE_NOT_ALLOWED', 'simple(0)'),
      vector(value('f0'), 'CBOR_SIMPLE_NOT_ALLOWED', 'simple(16)'),
      vector(value('f8 00'), 'CBOR_SIMPLE_NOT_ALLOWED', 'a two-byte simple value below 32'),
      vector(value('f8 ff'), 'CBOR_SIMPLE_NOT_ALLOWED', 'simple(255)'),
      vector(value('f4'), ACCEPTED, 'false is allowed'),
      vector(value('f5'), ACCEPTED, 'true is allowed'),
    ],
  },
  {
    id: 'MSG-14',
    title: 'Containers nested deeper than 4 are answered CBOR_TOO_DEEP; depth 4 is accepted',
    spec: '§3.3.13, §3.2.4',
    vectors: [
      vector(value('81 81 81 80'), 'CBOR_TOO_DEEP', 'an empty array at depth 5'),
      vector(value('81 81 81 a0'), 'CBOR_TOO_DEEP', 'an empty map at depth 5'),
      vector(value('a1 01 a1 01 a1 01 a0'), 'CBOR_TOO_DEEP', 'maps nested five deep'),
      vector(value('81 81 81 00'), ACCEPTED, 'map, array, array, array: depth 4 is the limit'),
    ],
  },
  {
    id: 'MSG-15',
    title: 'Strings over 256 bytes, arrays over 32 items and maps over 24 pairs are answered CBOR_LIMIT_EXCEEDED; the limits themselves are accepted',
    spec: '§3.3.14, §3.2.4',
    vectors: [
      vector(value(`59 01 01 ${repeat('00', 257)}`), 'CBOR_LIMIT_EXCEEDED', 'a byte string of 257 bytes'),
      vector(value(`79 01 01 ${repeat('61', 257)}`), 'CBOR_LIMIT_EXCEEDED', 'a text string of 257 bytes'),
      vector(value('5a ff ff ff ff'), 'CBOR_LIMIT_EXCEEDED', 'a huge declared length with no content is a limit, not a truncation'),
      vector(value(`98 21 ${repeat('00', 33)}`), 'CBOR_LIMIT_EXCEEDED', 'an array of 33 items'),
      vector(info(`b8 19 ${pairs(25)}`), 'CBOR_LIMIT_EXCEEDED', 'a map of 25 pairs'),
      vector(value(`59 01 00 ${repeat('00', 256)}`), ACCEPTED, 'a byte string of 256 bytes'),
      vector(value(`79 01 00 ${repeat('61', 256)}`), ACCEPTED, 'a text string of 256 bytes'),
      vector(value(`98 20 ${repeat('00', 32)}`), ACCEPTED, 'an array of 32 items'),
      vector(info(`b8 18 ${pairs(24)}`), ACCEPTED, 'a map of 24 pairs'),
    ],
  },
  {
    id: 'MSG-16',
    title: 'Text that is not well-formed UTF-8 is answered CBOR_INVALID_UTF8; a leading U+FEFF is text',
    spec: '§3.3.15, §3.2.3',
    vectors: [
      vector(value('61 80'), 'CBOR_INVALID_UTF8', 'a stray continuation byte'),
      vector(value('61 ff'), 'CBOR_INVALID_UTF8', 'the byte 0xFF'),
      vector(value('62 c3 28'), 'CBOR_INVALID_UTF8', 'a bad continuation byte'),
      vector(value('62 c0 80'), 'CBOR_INVALID_UTF8', 'an overlong encoding of U+0000'),
      vector(value('63 ed a0 80'), 'CBOR_INVALID_UTF8', 'the surrogate U+D800'),
      vector(value('64 f4 90 80 80'), 'CBOR_INVALID_UTF8', 'a code point above U+10FFFF'),
      vector(value('62 e2 82'), 'CBOR_INVALID_UTF8', 'a sequence cut short by the string length'),
      vector(value('63 ef bb bf'), ACCEPTED, 'U+FEFF is a character, not a byte order mark'),
      vector(value('62 c3 bc'), ACCEPTED, '"ü"'),
    ],
  },
  {
    id: 'MSG-17',
    title: 'Map keys that are not unsigned integers 0..255 are answered CBOR_INVALID_KEY, judged by their first byte',
    spec: '§3.3.16',
    vectors: [
      vector(info('a1 19 01 00 00'), 'CBOR_INVALID_KEY', 'key 256'),
      vector(info('a1 19 00 05 00'), 'CBOR_INVALID_KEY', 'a 2-byte key head, even for a small value'),
      vector(info('a1 20 00'), 'CBOR_INVALID_KEY', 'key -1'),
      vector(info('a1 61 61 00'), 'CBOR_INVALID_KEY', 'a text key'),
      vector(info('a1 f4 00'), 'CBOR_INVALID_KEY', 'false as a key'),
      vector(info('a1 c0 00'), 'CBOR_INVALID_KEY', 'a tag as a key is an invalid key, not a tag'),
      vector(info('a1 f9 00 00 00'), 'CBOR_INVALID_KEY', 'a float as a key'),
      vector(info('a1 1f'), 'CBOR_INVALID_KEY', 'additional information 31 as a key'),
      vector(info('a2 01 00 1c 00'), 'CBOR_INVALID_KEY', 'the second key is invalid'),
      vector(info('a1 18 ff 00'), ACCEPTED, 'key 255 is the largest key'),
    ],
  },
  {
    id: 'MSG-18',
    title: 'When several rules break, the first failure in reading order decides',
    spec: '§3.3.2',
    vectors: [
      vector(value('dc'), 'CBOR_MALFORMED', 'reserved additional information is checked before the major type'),
      vector(value('df'), 'CBOR_TAG_NOT_ALLOWED', 'a tag is checked before additional information 31'),
      vector(value('19 00'), 'CBOR_MALFORMED', 'a truncated argument cannot be judged for shortest form'),
      vector(value('7a 00 00 00 05'), 'CBOR_NOT_CANONICAL', 'the argument is judged before the missing content'),
      vector(value('79 01 2c'), 'CBOR_LIMIT_EXCEEDED', 'the length limit is judged before the missing content'),
      vector(value('81 81 81 98 21'), 'CBOR_TOO_DEEP', 'depth is judged before the count'),
      vector(value('81 81 81 98 00'), 'CBOR_NOT_CANONICAL', 'the head is judged before depth'),
      vector(info('a2 02 00 01'), 'CBOR_UNSORTED_KEYS', 'key order is judged before the missing value'),
      vector(info('a2 01 f6 01 00'), 'CBOR_SIMPLE_NOT_ALLOWED', 'the first value fails before the duplicate key is read'),
      vector(info('a2 01 00 01 f6'), 'CBOR_DUPLICATE_KEY', 'the key fails before its value is read'),
      vector(value('61 80 00'), 'CBOR_INVALID_UTF8', 'the item fails before trailing bytes are considered'),
    ],
  },
  {
    id: 'MSG-19',
    title: 'Every one of the 256 initial bytes has the outcome of the initial-byte table',
    spec: '§3.3.3',
    vectors: Array.from({ length: 256 }, (_, byte) => initialByteVector(byte)),
  },
  {
    id: 'MSG-20',
    title: 'A key the command does not define is answered UNKNOWN_PARAMETER, in nested maps too',
    spec: '§3.4',
    vectors: [
      vector(info('a1 00 00'), 'UNKNOWN_PARAMETER', 'GetInfo takes no key 0'),
      vector('11 a2 01 01 05 00', 'UNKNOWN_PARAMETER', 'AccountGet has no key 5'),
      vector('10 a1 03 00', 'UNKNOWN_PARAMETER', 'AccountList has no key 3'),
      vector(createWithOtp(`a2 01 ${TEN_BYTE_SECRET} 07 00`), 'UNKNOWN_PARAMETER', 'the OTP credential has no key 7'),
    ],
  },
  {
    id: 'MSG-21',
    title: 'A required key that is absent is answered MISSING_PARAMETER',
    spec: '§3.4',
    vectors: [
      vector('11', 'MISSING_PARAMETER', 'AccountGet without parameters'),
      vector('11 a0', 'MISSING_PARAMETER', 'AccountGet with the empty map'),
      vector('02', 'MISSING_PARAMETER', 'SetTime without its time'),
      vector('05', 'MISSING_PARAMETER', 'VerifyPin without its PIN'),
      vector('12 a1 03 60', 'MISSING_PARAMETER', 'AccountCreate without a name'),
      vector(createWithOtp(`a1 01 ${TEN_BYTE_SECRET}`), 'MISSING_PARAMETER', 'an OTP credential without its kind'),
    ],
  },
  {
    id: 'MSG-22',
    title: 'A value of the wrong type or out of its range is answered INVALID_PARAMETER',
    spec: '§3.4, §4, §5.4',
    vectors: [
      vector('11 a1 01 00', 'INVALID_PARAMETER', 'account id 0'),
      vector('11 a1 01 1a 00 01 00 00', 'INVALID_PARAMETER', 'account id 65536'),
      vector('11 a1 01 61 31', 'INVALID_PARAMETER', 'an account id as text'),
      vector('11 a1 01 20', 'INVALID_PARAMETER', 'account id -1'),
      vector('11 a1 01 f5', 'INVALID_PARAMETER', 'an account id as a boolean'),
      vector('10 a1 01 f5', 'INVALID_PARAMETER', 'an offset as a boolean'),
      vector('10 a1 02 01', 'INVALID_PARAMETER', 'includeHidden as an integer'),
      vector('02 a1 01 1b 00 00 07 db a8 21 80 01', 'INVALID_PARAMETER', 'a time past 8640000000000'),
      vector('12 a1 02 60', 'INVALID_PARAMETER', 'an empty account name'),
      vector(`12 a1 02 78 41 ${repeat('61', 65)}`, 'INVALID_PARAMETER', 'an account name of 65 bytes'),
      vector('12 a2 02 61 78 08 10', 'INVALID_PARAMETER', 'flags 16'),
      vector(createWithOtp(`a2 01 49 ${repeat('00', 9)} 02 00`), 'INVALID_PARAMETER', 'a 9-byte OTP secret'),
      vector(createWithOtp(`a2 01 ${TEN_BYTE_SECRET} 02 02`), 'INVALID_PARAMETER', 'OTP kind 2'),
      vector(createWithOtp(`a3 01 ${TEN_BYTE_SECRET} 02 00 04 05`), 'INVALID_PARAMETER', '5 digits'),
      vector(createWithOtp(`a3 01 ${TEN_BYTE_SECRET} 02 00 05 19 0e 11`), 'INVALID_PARAMETER', 'a period of 3601 s'),
      vector(createWithOtp(`a3 01 ${TEN_BYTE_SECRET} 02 00 06 00`), 'INVALID_PARAMETER', 'a counter in a TOTP credential'),
      vector(createWithOtp(`a3 01 ${TEN_BYTE_SECRET} 02 01 05 01`), 'INVALID_PARAMETER', 'a period in a HOTP credential'),
    ],
  },
  {
    id: 'MSG-23',
    title: 'Keys are checked in ascending order, missing keys after every present one',
    spec: '§3.4',
    vectors: [
      vector('11 a2 01 00 05 00', 'INVALID_PARAMETER', 'key 1 is invalid before key 5 is found unknown'),
      vector('11 a1 05 00', 'UNKNOWN_PARAMETER', 'an unknown key is reported before the missing id'),
      vector('12 a2 03 60 08 10', 'INVALID_PARAMETER', 'an invalid flags value is reported before the missing name'),
      vector('12 a2 02 60 0b 00', 'INVALID_PARAMETER', 'the invalid name (key 2) before the unknown key 11'),
      vector('13 a2 01 01 0a 00', 'INVALID_PARAMETER', 'AccountUpdate clear 0, after a valid id'),
    ],
  },
  {
    id: 'MSG-24',
    title: "Checks run in the order of §3.6: length, command, CBOR, parameters, then the command's own checks",
    spec: '§3.6',
    vectors: [
      vector('0a ff', 'INVALID_COMMAND', 'the command byte before the CBOR'),
      vector('11 a2 01 00 01 00', 'CBOR_DUPLICATE_KEY', 'the CBOR before the parameter values'),
      vector('02 a1 01 f6', 'CBOR_SIMPLE_NOT_ALLOWED', 'the CBOR before the PIN check of SetTime'),
      vector('11 a1 01 00', 'INVALID_PARAMETER', 'the parameters before ACCOUNT_NOT_FOUND'),
      vector('21 a1 01 00', 'INVALID_PARAMETER', 'the parameters before GetPassword waits for the button'),
    ],
  },
  {
    id: 'MSG-25',
    title: 'A request of exactly 7609 bytes is read whole',
    spec: '§3.1, §5.2',
    vectors: [vector(largestRequest(), ACCEPTED, 'GetInfo with {1: [32 byte strings]} making 7609 bytes: the CBOR is read to its end')],
  },
];

/**
 * §3.3.3 for one initial byte, as the value of key 1 in GetInfo's parameters. Items that the table accepts
 * are completed with the fewest canonical bytes, so the request is accepted as CBOR; lengths that can only
 * exceed the limits of §3.2.4 are refused as such.
 */
function initialByteVector(byte: number): MessageVector {
  const head = byte.toString(16).padStart(2, '0');
  const major = byte >> 5;
  const info = byte & 0x1f;
  const refuse = (status: StatusName, why: string): MessageVector => vector(value(head), status, `0x${head}: ${why}`);
  if (info >= 28 && info <= 30) return refuse('CBOR_MALFORMED', 'reserved additional information');
  if (major === 6) return refuse('CBOR_TAG_NOT_ALLOWED', 'a tag');
  if (major === 7) {
    if (byte === 0xf4 || byte === 0xf5) return vector(value(head), ACCEPTED, `0x${head}: ${byte === 0xf4 ? 'false' : 'true'}`);
    if (byte >= 0xf9 && byte <= 0xfb) return refuse('CBOR_FLOAT_NOT_ALLOWED', 'a float');
    if (byte === 0xff) return refuse('CBOR_INDEFINITE_LENGTH', 'a break byte');
    return refuse('CBOR_SIMPLE_NOT_ALLOWED', 'a simple value');
  }
  if (info === 31)
    return major <= 1 ? refuse('CBOR_MALFORMED', 'an integer cannot have an indefinite length') : refuse('CBOR_INDEFINITE_LENGTH', 'an indefinite length');
  // The smallest argument each head may carry canonically: 24, 256, 2^16, 2^32.
  const smallest = [24, 256, 0x1_0000, 0x1_0000_0000][info - 24];
  const argument = smallest ?? info;
  const argumentBytes = info < 24 ? '' : (['18', '01 00', '00 01 00 00', '00 00 00 01 00 00 00 00'][info - 24] ?? '');
  const prefix = `${head}${argumentBytes === '' ? '' : ` ${argumentBytes}`}`;
  if (major <= 1) return vector(value(prefix), ACCEPTED, `0x${head}: an integer`);
  const limit = major <= 3 ? 256 : major === 4 ? 32 : 24;
  if (argument > limit) return vector(value(prefix), 'CBOR_LIMIT_EXCEEDED', `0x${head}: a length or count of at least ${argument}`);
  const content = major === 2 ? repeat('00', argument) : major === 3 ? repeat('61', argument) : major === 4 ? repeat('00', argument) : pairs(argument);
  const kind = ['', '', 'a byte string', 'a text string', 'an array', 'a map'][major];
  return vector(value(`${prefix}${content === '' ? '' : ` ${content}`}`), ACCEPTED, `0x${head}: ${kind} of ${argument}`);
}

/** GetInfo {1: [32 byte strings]} whose encoding is exactly 7609 bytes, the largest message (§3.1). */
function largestRequest(): string {
  const head = '01 a1 01 98 20';
  const left = 7609 - 5;
  const strings: string[] = [];
  for (let index = 0; index < 32; index++) {
    // Share what is left evenly: each string is a 2-byte head (58 LL) and its content.
    const size = Math.floor((left - strings.reduce((sum, item) => sum + item.split(' ').length, 0)) / (32 - index));
    strings.push(`58 ${(size - 2).toString(16).padStart(2, '0')} ${repeat('00', size - 2)}`);
  }
  return `${head} ${strings.join(' ')}`;
}
