/**
 * A simulator assembled from @hkey/firmware-sim's public parts (key, HID endpoint on UDP, BLE endpoint on a BLE
 * link), with the hooks a mutant needs: the key's options (store, handler variants), the endpoints' options, its
 * sessions, and the reports and notifications on their way to the host. The suite then runs against it through
 * the same targets as against any key. The rig's own controller acts on the key in-process.
 */
import {
  type BleEndpointOptions,
  BleEndpoint,
  Button,
  type CommandHandlers,
  type HidEndpointOptions,
  HidEndpoint,
  type KeySession,
  MemoryStore,
  type StateStore,
  VirtualClock,
  VirtualKey,
} from '@hkey/firmware-sim';
import { type UdpPeer, bleLinkKeysOf, startBleLinkServer, startUdpHidServer } from '@hkey/firmware-sim/node';
import { type GattConnection, type GattNotifying, type HidReportPort, connectBleLinkGatt, connectUdpReportPort } from '@hkey/bridge';
import { type ConformanceTarget, type CtapTransport, type DeviceController, bleGattTarget, combineTargets, hidPortTarget } from '@hkey/conformance';

export interface Mutant {
  /** The fault, in a few words. */
  readonly name: string;
  /** The case meant to catch it. */
  readonly killer: string;
  readonly store?: () => StateStore;
  readonly handlers?: Partial<CommandHandlers>;
  readonly hid?: HidEndpointOptions;
  readonly ble?: BleEndpointOptions;
  /** Replaces every session the key opens, to alter what the key answers. */
  readonly session?: (session: KeySession, key: VirtualKey) => KeySession;
  /** Alters each HID report on its way from the key to the host. */
  readonly hidReport?: (report: Uint8Array) => Uint8Array;
  /** Returns a function that alters each BLE notification of one connection on its way to the host. */
  readonly bleNotification?: () => (value: Uint8Array) => Uint8Array;
  /** The same for fidoStatus notifications of one FIDO service connection. */
  readonly fidoNotification?: () => (value: Uint8Array) => Uint8Array;
  /** Where the security-key cases speak CTAP; default CTAPHID (a fault on the FIDO BLE service needs 'ble'). */
  readonly ctapTransport?: CtapTransport;
}

export interface Rig {
  readonly target: ConformanceTarget;
  readonly controller: DeviceController;
  close(): Promise<void>;
}

const SERIAL = 'HK-RIG-000001';

export async function startRig(mutant: Partial<Mutant> = {}): Promise<Rig> {
  // The rig offers the FIDO BLE service beside USB, so GetInfo names both (CTAP 2.1 §6.4), as the simulator's does.
  const fido = { transports: ['usb', 'ble'] };
  // Like the simulator's keys, the rig's runs on a clock its controller can move ahead, so timeouts cost no waiting.
  const clock = new VirtualClock();
  const key = await VirtualKey.start({ store: mutant.store?.() ?? new MemoryStore(), clock, handlers: mutant.handlers, identity: { serial: SERIAL }, fido });
  if (mutant.session) {
    const wrap = mutant.session;
    const open = key.openSession.bind(key);
    key.openSession = (transport) => wrap(open(transport), key);
  }
  const button = new Button();
  key.presence = button;
  const udp = await startUdpHidServer(new HidEndpoint<UdpPeer>(key, mutant.hid), { port: 0 });
  const link = await startBleLinkServer(bleLinkKeysOf([new BleEndpoint(key, mutant.ble)]), { port: 0 });
  const udpAddress = { host: '127.0.0.1', port: udp.port };
  const keyOnLink = { host: '127.0.0.1', port: link.port, serial: SERIAL };
  const target = combineTargets(
    hidPortTarget(`udp://127.0.0.1:${udp.port}`, async () => alterReports(await connectUdpReportPort(udpAddress), mutant.hidReport), 'udp'),
    bleGattTarget(
      `ble-link://127.0.0.1:${link.port}/${SERIAL}`,
      async (mtu) => alterNotifications(await connectBleLinkGatt(keyOnLink, { mtu }), 'status', mutant.bleNotification?.()),
      async (mtu) => alterNotifications(await connectBleLinkGatt(keyOnLink, { mtu }), 'fido-status', mutant.fidoNotification?.()),
    ),
  );
  return {
    target: mutant.ctapTransport === undefined ? target : { ...target, ctapTransport: mutant.ctapTransport },
    controller: rigController(key, button, clock),
    close: async () => {
      await Promise.all([udp.close(), link.close()]);
    },
  };
}

function alterReports(port: HidReportPort, alter: ((report: Uint8Array) => Uint8Array) | undefined): HidReportPort {
  if (alter === undefined) return port;
  return { ...port, send: (report) => port.send(report), onReport: (listener) => port.onReport((report) => listener(alter(report))) };
}

/** Alters the notifications of one characteristic, as a mutant key would send them. */
function alterNotifications(connection: GattConnection, altered: GattNotifying, alter: ((value: Uint8Array) => Uint8Array) | undefined): GattConnection {
  if (alter === undefined) return connection;
  const onNotify: GattConnection['onNotify'] = (listener) =>
    connection.onNotify((value, characteristic) => listener(characteristic === altered ? alter(value) : value, characteristic));
  return Object.create(connection, { onNotify: { value: onNotify } });
}

/** The rig's hands: the button, a power cycle, a flash fault and the key's clock, straight on the key. */
function rigController(key: VirtualKey, button: Button, clock: VirtualClock): DeviceController {
  return {
    description: 'the mutation rig',
    capabilities: new Set(['presence', 'restart', 'power-cut', 'time']),
    prepare: async () => undefined,
    finish: async () => undefined,
    async answerPresence(action) {
      if (action.kind === 'ignore') return;
      // The KEEPALIVE announcing the wait can overtake the key's registration of it.
      for (let tries = 0; tries < 100; tries++) {
        const acted = action.kind === 'press' ? button.press() : action.kind === 'deny' ? button.deny() : button.hold(action.ms);
        if (acted) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error("The rig's key never waited for its button.");
    },
    restart: () => key.powerCycle(),
    schedulePowerCut: async () => key.flashFaults.schedule(1, 'power-cut-after-commit'),
    clearPowerCut: async () => key.flashFaults.clear(),
    advanceTime: (ms) => clock.advance(ms, () => new Promise((resolve) => setImmediate(resolve))),
  };
}
