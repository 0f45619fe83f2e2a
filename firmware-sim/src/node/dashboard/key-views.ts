/**
 * The dashboard's views of a key (view-model.ts), built from its state and its KeyMonitor. Everything secret in
 * the state (OTP secrets, passwords, PIN hashes, FIDO keys and ids) is left behind here, field by field.
 */
import { AccountFlag } from '@hkey/protocol';
import type { DeviceState, StoredAccount } from '../../core/state.js';
import { storageUsed } from '../../core/storage-accounting.js';
import type { SimulatedDevice } from '../simulated-device.js';
import { type KeyMonitor, formatPeer } from './key-monitor.js';
import { ledFor } from './led.js';
import type { AccountView, KeyActivity, KeyDetail, KeyRow, PendingRequestView } from './view-model.js';

function activityOf(device: SimulatedDevice, state: DeviceState, monitor: KeyMonitor): KeyActivity {
  if (!device.key.isPowered) return 'off';
  if (state.pin !== undefined && state.pin.retries === 0) return 'pin-blocked';
  if (state.battery === 0) return 'battery-empty';
  if (monitor.pending !== undefined) return 'waiting-for-button';
  if (monitor.processing !== undefined) return 'processing';
  if (state.pin !== undefined && !device.key.anySessionUnlocked) return 'locked';
  return 'idle';
}

/** The key's hold time (docs/protocol.md §6.3), for waits the simulator's button does not answer (other policies). */
const HOLD_MS = 10_000;

function pendingOf(device: SimulatedDevice, monitor: KeyMonitor): PendingRequestView | null {
  if (monitor.pending === undefined) return null;
  const waiting = device.button.waiting;
  return { ...monitor.pending, holdMs: waiting?.holdMs ?? HOLD_MS, timeoutMs: waiting?.timeoutMs ?? null };
}

function rowOf(device: SimulatedDevice, state: DeviceState, monitor: KeyMonitor): KeyRow {
  const activity = activityOf(device, state, monitor);
  return {
    serial: state.identity.serial,
    model: state.identity.model,
    activity,
    lifecycle: state.provisioning?.lifecycle ?? 'READY',
    led: ledFor({ activity, pendingKind: monitor.pending?.kind, battery: state.battery }),
    pending: pendingOf(device, monitor),
    pinRetries: state.pin?.retries ?? null,
    battery: state.battery,
    accounts: state.accounts.length,
    storageUsed: storageUsed(state),
    storageTotal: state.storageTotal,
    seq: monitor.lastSeq,
  };
}

export function keyRow(device: SimulatedDevice, monitor: KeyMonitor): KeyRow {
  return rowOf(device, device.key.state, monitor);
}

const FLAG_NAMES = Object.entries(AccountFlag) as [string, number][];

function accountView(account: StoredAccount): AccountView {
  const kinds = [account.otp?.kind, account.password === undefined ? undefined : 'password'].filter((kind): kind is string => kind !== undefined);
  return {
    id: account.id,
    name: account.name,
    kinds,
    flags: FLAG_NAMES.filter(([, bit]) => (account.flags & bit) !== 0).map(([name]) => name.toLowerCase().replace('_', '-')),
  };
}

export function keyDetail(device: SimulatedDevice, monitor: KeyMonitor): KeyDetail {
  const { key } = device;
  const state = key.state;
  const hostMs = key.clock.now();
  const deviceMs = key.deviceTimeMs();
  const mtus = device.ble.connectionMtus;
  return {
    ...rowOf(device, state, monitor),
    firmware: state.identity.firmware,
    presencePolicy: device.presencePolicy,
    pin: { set: state.pin !== undefined, retries: state.pin?.retries ?? null, maxRetries: state.pin?.maxRetries ?? null },
    fidoPin: { set: state.fido?.pin !== undefined, retries: state.fido?.pin?.retries ?? null },
    clock: { deviceMs: Math.floor(deviceMs), hostMs, offsetMs: Math.round(deviceMs - hostMs), driftPpm: monitor.driftPpm },
    links: {
      udp: `udp://${formatPeer({ address: device.udp.host, port: device.udp.port })}`,
      udpClients: device.hid.clients.map(formatPeer),
      ble: { connections: mtus.length, mtus },
    },
    accountList: state.accounts.map(accountView),
    fidoCredentials: (state.fido?.credentials ?? []).map((credential) => ({ rpId: credential.rpId, userName: credential.userName ?? null })),
    faults: { packetRules: key.linkFaults.active.length, flashPending: key.flashFaults.pending, busyReplies: key.linkFaults.busyReplies },
    snapshots: device.snapshotIds,
  };
}
