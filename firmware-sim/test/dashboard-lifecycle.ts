/**
 * Moves a simulated key through its lifecycle (docs/protocol.md §10.6) the way an issuer does: EnrollIssuer (a press,
 * which the simulator's default policy gives), GetIdentity, then sealed items through ApplySealed, each checked by
 * its receipt. The dashboard's tests use it to show a key that is, say, SUSPENDED.
 */
import {
  type CommandName,
  type RequestOf,
  SealedOperationSchemas,
  decodeReceipt,
  decodeResponse,
  encodeMap,
  encodeRequest,
  encodeSealedOperation,
  p256KeyPair,
  sealItem,
  sealedItemParams,
  statusName,
} from '@hkey/protocol';
import type { SimulatedDevice } from '@hkey/firmware-sim/node';

const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x5e));

/** The sealed operations that take no parameters and move the lifecycle. */
export type LifecycleOperation = 'Lock' | 'Suspend' | 'Resume' | 'Compromise' | 'Wipe';

/** Enrolls the test issuer (Ready becomes Active), then applies `operations` in order, e.g. ['Suspend']. */
export async function applyAsIssuer(device: SimulatedDevice, operations: readonly LifecycleOperation[]): Promise<void> {
  const session = device.key.openSession('virtual');
  const ok = async <N extends CommandName>(command: N, params: RequestOf<N>) => {
    const answer = decodeResponse(command, (await session.handle(encodeRequest(command, params))) ?? new Uint8Array());
    if (!answer.ok) throw new Error(`${command} answered ${answer.status}`);
    return answer.result;
  };
  try {
    await ok('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
    const identity = await ok('GetIdentity', {});
    const now = Math.floor(device.key.deviceTimeMs() / 1000);
    for (const [index, operation] of operations.entries()) {
      const item = await sealItem({
        issuer: ISSUER,
        recipient: { serial: device.key.state.identity.serial, kemPublicKey: identity.kemPublicKey },
        sequence: index + 1,
        notAfter: now + 3600,
        created: now,
        plaintext: encodeSealedOperation({ operation, params: encodeMap(SealedOperationSchemas[operation], {} as never) }),
      });
      const params = sealedItemParams(item);
      const applied = await ok('ApplySealed', {
        header: params.get(1) as Uint8Array,
        enc: params.get(2) as Uint8Array,
        ciphertext: params.get(3) as Uint8Array[],
        signature: params.get(4) as Uint8Array,
      });
      const status = statusName(decodeReceipt(applied.receipt).status);
      if (status !== 'OK') throw new Error(`the sealed ${operation} was refused: ${status}`);
    }
  } finally {
    session.close();
  }
}
