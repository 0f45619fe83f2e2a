/**
 * The security-key mode (issue 13): GetAssertion in process against the raw node:crypto P-256 signature it contains,
 * GetAssertion over UDP with one client (bridge FidoClient -> CTAPHID -> simulator), and what a discoverable
 * credential costs in storage.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FidoClient, UdpTransportKind } from '@hkey/bridge';
import { VirtualKey } from '@hkey/firmware-sim';
import { Simulator, nodeFidoSigner } from '@hkey/firmware-sim/node';
import {
  CoseAlgorithm,
  CtapCommand,
  GetAssertionKey,
  MakeCredentialKey,
  MakeCredentialResponseKey,
  ctapMap,
  decodeAuthenticatorData,
  decodeCtap,
  decodeResponse,
  encodeCtap,
  encodeRequest,
} from '@hkey/protocol';
import { measureLoops } from '../async-measure.js';

const utf8 = new TextEncoder();
const clientDataHash = createHash('sha256').update('bench client data').digest();
const ROUNDS = 5;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** node:crypto ECDSA P-256 over a message the size of authenticatorData || clientDataHash. */
function rawSignPerSecond(): number {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.alloc(37 + 32, 1);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 700) {
    sign('sha256', message, privateKey);
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

function makeCredentialRequest(discoverable: boolean, user = 'user-0001'): Uint8Array {
  return new Uint8Array([
    CtapCommand.MakeCredential,
    ...encodeCtap(
      ctapMap([
        [MakeCredentialKey.clientDataHash, clientDataHash],
        [
          MakeCredentialKey.rp,
          ctapMap([
            ['id', 'example.com'],
            ['name', 'Example'],
          ]),
        ],
        [
          MakeCredentialKey.user,
          ctapMap([
            ['id', utf8.encode(user)],
            ['name', `${user}@example.com`],
            ['displayName', 'Alice'],
          ]),
        ],
        [
          MakeCredentialKey.pubKeyCredParams,
          [
            ctapMap([
              ['alg', CoseAlgorithm.ES256],
              ['type', 'public-key'],
            ]),
          ],
        ],
        [MakeCredentialKey.options, discoverable ? ctapMap([['rk', true]]) : undefined],
      ]),
    ),
  ]);
}

async function inProcessGetAssertion(): Promise<number> {
  const key = await VirtualKey.start({ fido: { signer: nodeFidoSigner() } });
  const session = key.openSession('hid');
  const created = await session.ctap(makeCredentialRequest(false));
  const body = decodeCtap(created!.subarray(1)) as Map<number, Uint8Array>;
  const credentialId = decodeAuthenticatorData(body.get(MakeCredentialResponseKey.authData)!).attested!.credentialId;
  const request = new Uint8Array([
    CtapCommand.GetAssertion,
    ...encodeCtap(
      ctapMap([
        [GetAssertionKey.rpId, 'example.com'],
        [GetAssertionKey.clientDataHash, clientDataHash],
        [
          GetAssertionKey.allowList,
          [
            ctapMap([
              ['id', credentialId],
              ['type', 'public-key'],
            ]),
          ],
        ],
      ]),
    ),
  ]);
  const result = await measureLoops(
    1,
    async () => {
      const answer = await session.ctap(request);
      if (answer?.[0] !== 0) throw new Error(`GetAssertion answered ${answer?.[0]}`);
    },
    700,
    200,
  );
  return result.perSecond;
}

async function udpGetAssertion() {
  const simulator = await Simulator.start({ devices: 1, udpPort: 0, blePort: null, presence: 'auto-approve' });
  try {
    const { udp } = simulator.devices[0]!;
    const transport = await new UdpTransportKind({ addresses: [`udp://${udp.host}:${udp.port}`] }).open(`udp://${udp.host}:${udp.port}`);
    const fido = new FidoClient(transport);
    const created = await fido.makeCredential({
      clientDataHash,
      rp: { id: 'example.com', name: 'Example' },
      user: { id: utf8.encode('user-0001'), name: 'alice' },
    });
    const params = { rpId: 'example.com', clientDataHash, allowList: [{ id: created.credentialId }] };
    const result = await measureLoops(1, () => fido.getAssertion(params), 2000, 300);
    await transport.close();
    return result;
  } finally {
    await simulator.close();
  }
}

/** Bytes one discoverable credential takes, seen as the fall in HKP GetInfo's storageFree (docs/protocol.md §9.5). */
async function storageFigures(): Promise<{ recordBytes: number; storageTotal: number }> {
  const key = await VirtualKey.start();
  const session = key.openSession('hid');
  const info = async () => {
    const decoded = decodeResponse('GetInfo', (await session.handle(encodeRequest('GetInfo', {})))!);
    if (!decoded.ok) throw new Error(`GetInfo answered ${decoded.status}`);
    return decoded.result;
  };
  const before = await info();
  await session.ctap(makeCredentialRequest(true));
  const after = await info();
  return { recordBytes: before.storageFree - after.storageFree, storageTotal: after.storageTotal };
}

export async function renderFido(): Promise<string> {
  // Rounds alternate reference and subject, and the ratio is taken per round: load from elsewhere on the machine
  // then hits both sides of each ratio alike.
  const references: number[] = [];
  const subjects: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const reference = rawSignPerSecond();
    const subject = await inProcessGetAssertion();
    references.push(reference);
    subjects.push(subject);
    ratios.push(subject / reference);
  }
  const reference = median(references);
  const subject = median(subjects);
  const ratio = median(ratios);
  const udp = await udpGetAssertion();
  const storage = await storageFigures();
  const typicalCount = Math.floor(storage.storageTotal / storage.recordBytes);
  const perSecond = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')}/s`;
  const met = (ok: boolean): string => (ok ? 'yes' : 'NO');
  // Written out rather than joined from cells: these rows' empty cells are a single space.
  return [
    '### Security-key mode',
    '',
    '| benchmark | hkey | reference (same run) | ratio | target | met |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    `| GetAssertion in process (allowList, ES256, counter written each time) | ${perSecond(subject)} | node:crypto P-256 sign ${perSecond(reference)} | ` +
      `${ratio.toFixed(2)}x | >= 0.5x | ${met(ratio >= 0.5)} |`,
    `| GetAssertion over UDP, 1 client (bridge FidoClient) | ${perSecond(udp.perSecond)}, p50 ${udp.p50Ms.toFixed(2)} ms, p99 ${udp.p99Ms.toFixed(2)} ms ` +
      `| | | >= 2,000/s, p99 < 5 ms | ${met(udp.perSecond >= 2000 && udp.p99Ms < 5)} |`,
    '| a discoverable credential (RP example.com, 9-byte user id, 21-byte name, 5-byte display name) | ' +
      `${storage.recordBytes} bytes of storage | worst case 483 bytes | | documented (docs/protocol.md §9.5) | yes |`,
    `| the default ${storage.storageTotal.toLocaleString('en-US')}-byte storage | ${typicalCount} such credentials | ` +
      `${Math.floor(storage.storageTotal / 483)} worst-case ones | | | |`,
    '',
  ].join('\n');
}
