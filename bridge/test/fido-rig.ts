/** What the FidoClient tests over every link share: one RP and user, client data hashes, and the CANCEL scenario. */
import { expect } from 'vitest';
import { sha256 } from '@hkey/protocol';
import type { Button, VirtualKey } from '@hkey/firmware-sim';
import { type FidoClient, TransportError } from '@hkey/bridge';
import { failure, untilWaiting } from './rig.js';

const utf8 = new TextEncoder();

export const rp = { id: 'example.com', name: 'Example' };
export const alice = { id: utf8.encode('user-alice'), name: 'alice@example.com', displayName: 'Alice' };
export const hashOf = (label: string): Uint8Array => sha256(utf8.encode(label));

/**
 * CANCEL during the button wait of a MakeCredential: the presence callback fires once, the key answers
 * KEEPALIVE_CANCEL, the call rejects CANCELLED, and the link carries the next request.
 */
export async function expectCancelDuringButtonWait({ fido, key, button }: { fido: FidoClient; key: VirtualKey; button: Button }): Promise<void> {
  const controller = new AbortController();
  let asked = 0;
  let announced: () => void = () => undefined;
  const upNeeded = new Promise<void>((resolve) => (announced = resolve));
  const pending = fido.makeCredential(
    { clientDataHash: hashOf('cancel'), rp, user: alice },
    {
      signal: controller.signal,
      onUserPresence: () => {
        asked += 1;
        announced();
      },
    },
  );
  await Promise.all([untilWaiting(button), upNeeded]);
  const since = key.events.lastSeq;
  controller.abort();
  const error = await failure(pending);
  expect(error).toBeInstanceOf(TransportError);
  expect(error.code).toBe('CANCELLED');
  expect(asked).toBe(1);
  expect(key.events.since(since)).toContainEqual(expect.objectContaining({ type: 'response', command: 'fido.MakeCredential', status: 'KEEPALIVE_CANCEL' }));
  expect((await fido.getInfo()).versions).toContain('FIDO_2_1');
}
