/** GetInfo and how the key judges requests (docs/protocol.md §9, CTAP 2.1 §6.4, §8, §8.2). */
import { CoseAlgorithm, CtapCommand, CtapStatus, type CtapMap, GetAssertionKey, GetInfoKey, MakeCredentialKey, ctapMap } from '@hkey/protocol';
import { check, fail, fromHex } from '../../checks.js';
import { defineCase } from '../../case.js';
import { FidoChannel } from './fido-channel.js';
import { getAssertionParams, makeCredentialParams, runRpId } from './requests.js';

const needs = ['ctap-link'] as const;

/** getPINRetries, {2: 1}, written by hand so each rule can be broken on its own. */
const CBOR_RULES: readonly (readonly [string, string])[] = [
  ['map keys out of canonical order', 'a2 02 01 01 02'],
  ['a repeated map key', 'a2 02 01 02 01'],
  ['an indefinite-length map', 'bf 02 01 ff'],
  ['an indefinite-length byte string', 'a2 01 02 02 5f 41 01 ff'],
  ['a byte after the map', 'a1 02 01 00'],
  ['a tag on a value', 'a1 02 c1 01'],
  ['an integer not in its shortest form', 'a1 02 18 01'],
  ['a map that ends early', 'a2 02 01'],
];

function without(map: CtapMap, key: number): CtapMap {
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

export const requestCases = [
  defineCase({
    id: 'FIDO-05',
    group: 'fido',
    title: 'GetInfo lists FIDO_2_0, FIDO_2_1 and U2F_V2, a 16-byte AAGUID, options, PIN/UV auth protocols and ES256, in canonical CBOR',
    spec: '§9, CTAP 2.1 §6.4, §8',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      // The channel decodes every answer with the strict CTAP2 decoder: a non-canonical GetInfo fails here.
      const info = await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo');
      const versions = info.get(GetInfoKey.versions);
      if (!Array.isArray(versions)) fail('versions (0x01) as an array', String(versions));
      for (const version of ['FIDO_2_0', 'FIDO_2_1', 'U2F_V2'])
        check(versions.includes(version), `versions including ${version}`, () => JSON.stringify(versions));
      const aaguid = info.get(GetInfoKey.aaguid);
      check(aaguid instanceof Uint8Array && aaguid.length === 16, 'aaguid (0x03) as 16 bytes', () => String(aaguid));
      const options = info.get(GetInfoKey.options);
      if (!(options instanceof Map)) fail('options (0x04) as a map', String(options));
      for (const [name, value] of options)
        check(typeof name === 'string' && typeof value === 'boolean', 'options of text names and true or false', () => `${String(name)}: ${String(value)}`);
      check(typeof options.get('clientPin') === 'boolean', 'options.clientPin present: the key supports a PIN', () => String(options.get('clientPin')));
      check(options.get('pinUvAuthToken') === true, 'options.pinUvAuthToken true, as FIDO_2_1 requires', () => String(options.get('pinUvAuthToken')));
      const protocols = info.get(GetInfoKey.pinUvAuthProtocols);
      check(
        Array.isArray(protocols) && protocols.length > 0 && protocols.every((protocol) => protocol === 1 || protocol === 2),
        'pinUvAuthProtocols (0x06) listing protocols 1 and 2 only',
        () => JSON.stringify(protocols),
      );
      const algorithms = info.get(GetInfoKey.algorithms);
      if (!Array.isArray(algorithms)) fail('algorithms (0x0A) as an array', String(algorithms));
      check(
        algorithms.some((entry) => entry instanceof Map && entry.get('alg') === CoseAlgorithm.ES256 && entry.get('type') === 'public-key'),
        'algorithms including {alg: -7, type: "public-key"}',
        () => `${algorithms.length} entries without ES256`,
      );
    },
  }),
  defineCase({
    id: 'FIDO-06',
    group: 'fido',
    title: 'Non-canonical key order, repeated keys, indefinite lengths, trailing bytes, tags and long forms are answered INVALID_CBOR',
    spec: '§9, CTAP 2.1 §8',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      await channel.expectStatus(CtapCommand.ClientPIN, fromHex('a1 02 01'), CtapStatus.OK, 'getPINRetries in canonical CBOR');
      for (const [rule, hex] of CBOR_RULES)
        await channel.expectStatus(CtapCommand.ClientPIN, fromHex(hex), CtapStatus.INVALID_CBOR, `getPINRetries with ${rule} (${hex})`);
    },
  }),
  defineCase({
    id: 'FIDO-07',
    group: 'fido',
    title: 'A member of the wrong type is answered CBOR_UNEXPECTED_TYPE; a missing clientDataHash, rp, user or pubKeyCredParams MISSING_PARAMETER',
    spec: '§9, CTAP 2.1 §6.1.2, §6.2.2, §8.2',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'members');
      const valid = makeCredentialParams({ rpId });
      const wrongTypes: readonly [string, CtapMap, number][] = [
        ['MakeCredential with clientDataHash as text', new Map(valid).set(MakeCredentialKey.clientDataHash, 'hash'), CtapCommand.MakeCredential],
        ['MakeCredential with rp as an array', new Map(valid).set(MakeCredentialKey.rp, [rpId]), CtapCommand.MakeCredential],
        ['MakeCredential with options.rk as 1', new Map(valid).set(MakeCredentialKey.options, ctapMap([['rk', 1]])), CtapCommand.MakeCredential],
        ['GetAssertion with rpId as bytes', new Map(getAssertionParams({ rpId })).set(GetAssertionKey.rpId, new Uint8Array(4)), CtapCommand.GetAssertion],
      ];
      for (const [what, params, command] of wrongTypes) await channel.expectStatus(command, params, CtapStatus.CBOR_UNEXPECTED_TYPE, what);
      const members = [
        ['clientDataHash', MakeCredentialKey.clientDataHash],
        ['rp', MakeCredentialKey.rp],
        ['user', MakeCredentialKey.user],
        ['pubKeyCredParams', MakeCredentialKey.pubKeyCredParams],
      ] as const;
      for (const [name, key] of members)
        await channel.expectStatus(CtapCommand.MakeCredential, without(valid, key), CtapStatus.MISSING_PARAMETER, `MakeCredential without ${name}`);
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        without(getAssertionParams({ rpId }), GetAssertionKey.clientDataHash),
        CtapStatus.MISSING_PARAMETER,
        'GetAssertion without clientDataHash',
      );
    },
  }),
  defineCase({
    id: 'FIDO-08',
    group: 'fido',
    title:
      'Only unsupported algorithms are answered UNSUPPORTED_ALGORITHM; undefined commands INVALID_COMMAND; bad options INVALID_OPTION and UNSUPPORTED_OPTION',
    spec: '§9, CTAP 2.1 §6.1.2 steps 3 and 5, §6.2.2 step 5, §8.2',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'options');
      const unsupported = ctapMap([
        [
          MakeCredentialKey.pubKeyCredParams,
          [
            ctapMap([
              ['alg', -257],
              ['type', 'public-key'],
            ]),
            ctapMap([
              ['alg', CoseAlgorithm.ES256],
              ['type', 'secret-key'],
            ]),
          ],
        ],
      ]);
      await channel.expectStatus(
        CtapCommand.MakeCredential,
        new Map([...makeCredentialParams({ rpId }), ...unsupported]),
        CtapStatus.UNSUPPORTED_ALGORITHM,
        'MakeCredential offering RS256 and a non-public-key type only',
      );
      for (const command of [0x03, 0x05, 0x3f])
        await channel.expectStatus(command, undefined, CtapStatus.INVALID_COMMAND, `the undefined command 0x${command.toString(16).padStart(2, '0')}`);
      await channel.expectStatus(
        CtapCommand.MakeCredential,
        makeCredentialParams({ rpId, options: ctapMap([['up', false]]) }),
        CtapStatus.INVALID_OPTION,
        'MakeCredential with options.up false',
      );
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        getAssertionParams({ rpId, options: ctapMap([['rk', true]]) }),
        CtapStatus.UNSUPPORTED_OPTION,
        'GetAssertion with the option "rk"',
      );
    },
  }),
];
