/** Test harness: a virtual key on a manual clock with a typed request helper. */
import { type CommandName, type DecodedResponse, type RequestOf, decodeResponse, encodeRequest } from '@hkey/protocol';
import { Button, type KeySession, ManualClock, MemoryStore, type PresenceSource, VirtualKey, seededRandom } from '@hkey/firmware-sim';

export const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

export interface Harness {
  key: VirtualKey;
  clock: ManualClock;
  store: MemoryStore;
  session: KeySession;
  call<N extends CommandName>(command: N, params: RequestOf<N>, session?: KeySession): Promise<DecodedResponse<N>>;
  ok<N extends CommandName>(command: N, params: RequestOf<N>, session?: KeySession): Promise<Extract<DecodedResponse<N>, { ok: true }>['result']>;
}

export async function harness(options: { presence?: PresenceSource; storageTotal?: number; store?: MemoryStore } = {}): Promise<Harness> {
  const clock = new ManualClock(START_MS);
  const store = options.store ?? new MemoryStore();
  const key = await VirtualKey.start({ clock, store, random: seededRandom(7), presence: options.presence ?? new Button(), storageTotal: options.storageTotal });
  const session = key.openSession('virtual');
  const call = async <N extends CommandName>(command: N, params: RequestOf<N>, on = session): Promise<DecodedResponse<N>> => {
    const response = await on.handle(encodeRequest(command, params));
    if (response === undefined) throw new Error('the key lost power');
    return decodeResponse(command, response);
  };
  const ok = async <N extends CommandName>(command: N, params: RequestOf<N>, on = session) => {
    const response = await call(command, params, on);
    if (!response.ok) throw new Error(`${command} answered ${response.status}`);
    return response.result;
  };
  return { key, clock, store, session, call, ok };
}

export const RFC_SECRET = new TextEncoder().encode('12345678901234567890');
