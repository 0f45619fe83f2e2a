/**
 * Sealed provisioning (issue 15): sealing and applying items in process, each beside the unsealed AccountCreate it
 * carries, measured in the same run with interleaved samples; and a bundle of N keys x 5 items relayed by the real
 * `hkey provision bundle --parallel` over UDP simulators, with its wall time and peak RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KeyClient, UdpTransportKind } from '@hkey/bridge';
import { MemoryStore, VirtualKey, autoApprove, seededRandom } from '@hkey/firmware-sim';
import {
  Commands,
  type RequestOf,
  type SealedItem,
  concatBytes,
  decodeResponse,
  encodeBase32,
  encodeMap,
  encodeRequest,
  encodeSealedOperation,
  p256KeyPair,
  sealItem,
  sealedItemParams,
  serializeInventoryEntry,
} from '@hkey/protocol';
import { markdownRow } from '../harness.js';
import { startSimProcess } from '../sim-process.js';

const BIN = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));
const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x21));
const SECRET = new Uint8Array(20).fill(9);
const ITEMS_PER_KEY = 5;
const SAMPLES = 5;

const accountCreate = (index: number): RequestOf<'AccountCreate'> => ({ name: `account-${index}`, password: 'pw', otp: { secret: SECRET, kind: 'TOTP' } });
const plaintextOf = (index: number): Uint8Array =>
  encodeSealedOperation({ operation: 'AccountCreate', params: encodeMap(Commands.AccountCreate.request, accountCreate(index)) });

/** Items per second of `run` over `count` items, median of interleaved samples with the reference. */
async function interleaved(subject: () => Promise<number>, reference: () => Promise<number>): Promise<[number, number]> {
  const subjects: number[] = [];
  const references: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    subjects.push(await subject());
    references.push(await reference());
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return [median(subjects), median(references)];
}

async function rate(count: number, work: (index: number) => Promise<unknown> | unknown): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await work(index);
  return (count * 1000) / (performance.now() - started);
}

async function freshKey(): Promise<{ key: VirtualKey; call: (request: Uint8Array) => Promise<Uint8Array> }> {
  // The same seed every time: the same identity, so items sealed once fit every fresh key.
  const key = await VirtualKey.start({ random: seededRandom(7), presence: autoApprove, store: new MemoryStore(), storageTotal: 1 << 24 });
  const session = key.openSession('virtual');
  const call = async (request: Uint8Array): Promise<Uint8Array> => (await session.handle(request)) ?? new Uint8Array();
  await call(encodeRequest('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey }));
  return { key, call };
}

async function inProcess(): Promise<string[]> {
  const probe = await freshKey();
  const identity = decodeResponse('GetIdentity', await probe.call(encodeRequest('GetIdentity', {})));
  if (!identity.ok) throw new Error('GetIdentity failed');
  const recipient = { serial: identity.result.serial, kemPublicKey: identity.result.kemPublicKey };
  const now = Math.floor(Date.now() / 1000);
  const seal = (index: number, sequence = index + 1): Promise<SealedItem> =>
    sealItem({ issuer: ISSUER, recipient, sequence, notAfter: now + 86_400, created: now, plaintext: plaintextOf(index) });
  const SEAL_COUNT = 1000;
  const [sealing, encoding] = await interleaved(
    () => rate(SEAL_COUNT, (index) => seal(index)),
    () => rate(SEAL_COUNT * 10, (index) => encodeRequest('AccountCreate', accountCreate(index))),
  );
  const APPLY_COUNT = 300;
  const items = await Promise.all(Array.from({ length: APPLY_COUNT }, (_, index) => seal(index)));
  const requests = items.map((item) => {
    const params = sealedItemParams(item);
    return encodeRequest('ApplySealed', {
      header: item.header,
      enc: item.enc,
      ciphertext: params.get(3) as Uint8Array[],
      signature: item.signature,
    });
  });
  const applyRate = async (plain: boolean): Promise<number> => {
    const { call } = await freshKey();
    return rate(APPLY_COUNT, async (index) => {
      const response = await call(plain ? encodeRequest('AccountCreate', accountCreate(index)) : (requests[index] as Uint8Array));
      if (response[0] !== 0) throw new Error(`item ${index} was not applied`);
    });
  };
  const [applying, plainCreate] = await interleaved(
    () => applyRate(false),
    () => applyRate(true),
  );
  return [
    markdownRow([
      'seal an AccountCreate item (HPKE + ECDSA), one core',
      `${Math.round(sealing).toLocaleString('en-US')} items/s`,
      'encode the unsealed AccountCreate',
      `${Math.round(encoding).toLocaleString('en-US')} /s`,
      `${((1e6 / sealing) | 0).toLocaleString('en-US')} µs per item`,
      '>= 2,000 items/s',
      sealing >= 2000 ? 'yes' : 'NO',
    ]),
    markdownRow([
      'apply a sealed AccountCreate in process (checks, HPKE open, write, signed receipt)',
      `${Math.round(applying).toLocaleString('en-US')} items/s`,
      'the unsealed AccountCreate on the same key',
      `${Math.round(plainCreate).toLocaleString('en-US')} /s`,
      `${(plainCreate / applying).toFixed(1)}x its cost`,
      '>= 1,000 items/s',
      applying >= 1000 ? 'yes' : 'NO',
    ]),
  ];
}

function hkey(args: readonly string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, ['--import', 'tsx', BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
}

function pointOfPem(pem: string): Uint8Array {
  const jwk = createPublicKey(pem).export({ format: 'jwk' }) as { x: string; y: string };
  return concatBytes(Uint8Array.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url'));
}

async function relay(keys: number, parallel: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hkey-bench-sealed-'));
  const sim = await startSimProcess(['--import', 'tsx', BIN], ['--devices', String(keys)]);
  const env = { HKEY_ISSUER_PASSPHRASE: 'bench passphrase' };
  try {
    hkey(['issuer', 'init', '--out', join(dir, 'issuer.key'), '--quiet'], env);
    const issuerPublicKey = pointOfPem(await readFile(join(dir, 'issuer.pub'), 'utf8'));
    // Enrollment and inventory in this process: 1,000 command starts would measure Node's start-up, not the relay.
    const inventory: string[] = [];
    for (const transport of sim.transports) {
      const link = await new UdpTransportKind({ addresses: [transport] }).open(transport);
      try {
        const client = new KeyClient(link);
        await client.enrollIssuer({ issuerPublicKey });
        const identity = await client.getIdentity();
        inventory.push(
          serializeInventoryEntry({
            serial: identity.serial,
            kemPublicKey: identity.kemPublicKey,
            signingPublicKey: identity.signingPublicKey,
            chain: identity.certificates.map((chunks: Uint8Array[]) => concatBytes(...chunks)),
          }),
        );
      } finally {
        await link.close();
      }
    }
    await writeFile(join(dir, 'inventory.jsonl'), `${inventory.join('\n')}\n`);
    const secret = encodeBase32(SECRET);
    const serials = inventory.map((line) => (JSON.parse(line) as { serial: string }).serial);
    const rowsOf = (serial: string): string[] => Array.from({ length: ITEMS_PER_KEY }, (_, index) => `${serial},account-${index},${secret}`);
    const rows = serials.flatMap(rowsOf);
    await writeFile(join(dir, 'batch.csv'), `serial,name,secret\n${rows.join('\n')}\n`);
    hkey(
      [
        'seal',
        '--issuer',
        join(dir, 'issuer.key'),
        '--inventory',
        join(dir, 'inventory.jsonl'),
        join(dir, 'batch.csv'),
        '--out',
        join(dir, 'bundle'),
        '--quiet',
      ],
      env,
    );
    const started = performance.now();
    const timed = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        '--import',
        'tsx',
        BIN,
        '--transport',
        sim.transports.join(','),
        'provision',
        'bundle',
        join(dir, 'bundle'),
        '--parallel',
        String(parallel),
        '--audit',
        join(dir, 'audit.jsonl'),
        '--receipts',
        join(dir, 'receipts.jsonl'),
        '--quiet',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 },
    );
    const seconds = (performance.now() - started) / 1000;
    if (timed.status !== 9 && timed.status !== 0) throw new Error(`hkey provision bundle exited with ${timed.status}: ${timed.stderr}`);
    const rssMb = Number(timed.stderr.trim().split('\n').at(-1)) / 1024;
    const items = keys * ITEMS_PER_KEY;
    return markdownRow([
      `${keys.toLocaleString('en-US')} keys x ${ITEMS_PER_KEY} items relayed over UDP, \`hkey provision bundle --parallel ${parallel}\``,
      `${seconds.toFixed(1)} s`,
      'items/s',
      `${Math.round(items / seconds).toLocaleString('en-US')} /s`,
      `peak RSS ${rssMb.toFixed(0)} MB`,
      'report',
      '',
    ]);
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function renderSealed(keys = Number(process.env.HKEY_BENCH_SEALED_KEYS ?? 1000), parallel = 16): Promise<string> {
  return [
    '### Sealed provisioning',
    '',
    '| benchmark | hkey | reference | reference | cost | target | met |',
    '| --- | ---: | --- | ---: | ---: | --- | --- |',
    ...(await inProcess()),
    await relay(keys, parallel),
    '',
  ].join('\n');
}
