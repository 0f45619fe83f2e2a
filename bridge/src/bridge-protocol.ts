/**
 * The bridge server's WebSocket protocol, version 1 (docs/bridge-protocol.md): one JSON object per text message.
 * Requests carry `v`, `id` and `type`; the server answers each with `result` or `error` under the same id, and
 * pushes events (no id). Bytes travel as lowercase hex. Shared by the server and its clients; isomorphic.
 */
import type { DeviceDescriptor } from './transport.js';
import type { BleService, GattNotifying, GattReadable, GattWritable } from './gatt-connection.js';

export const BRIDGE_PROTOCOL_VERSION = 1;
/** The WebSocket path of protocol version 1. */
export const BRIDGE_PATH = '/v1';
export const DEFAULT_BRIDGE_PORT = 8120;
/** Longest message the server reads; longer ones get MESSAGE_TOO_LARGE (the largest HKP message is 15 KiB in hex). */
export const BRIDGE_MAX_MESSAGE_BYTES = 64 * 1024;

/** How a session reaches its key: whole HKP messages, raw 64-byte HID reports, or GATT operations. */
export type BridgeLink = 'hkp' | 'hid' | 'gatt';

/** What the HID shim shows of a key (WebHID's HIDDevice fields). */
export interface BridgeHidInfo {
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
}

export interface BridgeDevice extends DeviceDescriptor {
  /** The links acquire accepts for this key. */
  readonly links: readonly BridgeLink[];
  /** Present when links has "hid". */
  readonly hid?: BridgeHidInfo;
}

export interface BridgeErrorBody {
  readonly code: string;
  readonly message: string;
  /** DEVICE_BUSY: who holds the key. */
  readonly holder?: string;
}

/** Request types with their parameters and results. */
export interface BridgeRequests {
  list: { params: Record<string, never>; result: { devices: BridgeDevice[] } };
  watch: { params: Record<string, never>; result: { devices: BridgeDevice[] } };
  unwatch: { params: Record<string, never>; result: Record<string, never> };
  /** `services`: on a gatt session, the key's GATT services (absent from older bridges: the HKP service only). */
  acquire: { params: { device: string; link: BridgeLink }; result: { session: string; device: BridgeDevice; services?: BleService[] } };
  release: { params: { session: string }; result: Record<string, never> };
  exchange: { params: { session: string; data: string; timeoutMs?: number }; result: { data: string } };
  /** CTAPHID_CBOR (a CTAP2 request) or CTAPHID_MSG (a U2F APDU) on an hkp session. */
  ctap: { params: { session: string; command: 'cbor' | 'msg'; data: string; timeoutMs?: number }; result: { data: string } };
  cancel: { params: { request: string | number }; result: Record<string, never> };
  'hid-send': { params: { session: string; report: string }; result: Record<string, never> };
  'gatt-mtu': { params: { session: string; mtu: number }; result: { mtu: number } };
  'gatt-read': { params: { session: string; characteristic: GattReadable }; result: { value: string } };
  'gatt-write': { params: { session: string; value: string; response: boolean; characteristic?: GattWritable }; result: Record<string, never> };
  'gatt-subscribe': { params: { session: string; enable: boolean; characteristic?: GattNotifying }; result: Record<string, never> };
}

export type BridgeRequestType = keyof BridgeRequests;

/** Events the server pushes. */
export type BridgeEvent =
  /** `binary`: the client negotiated the binary subprotocol (bridge-binary.ts), and data requests may use it. */
  | { type: 'hello'; server: 'hkey-bridge'; protocol: number; client: string; binary?: string }
  | { type: 'device-added'; device: BridgeDevice }
  | { type: 'device-removed'; device: BridgeDevice }
  | { type: 'keepalive'; request: string | number; status: 'processing' | 'user-presence' }
  | { type: 'hid-report'; session: string; report: string }
  /** `characteristic` is absent from bridges older than the FIDO service on the gatt link: the HKP status characteristic. */
  | { type: 'gatt-notify'; session: string; value: string; characteristic?: GattNotifying }
  | { type: 'session-ended'; session: string; error: BridgeErrorBody };

export type BridgeReply =
  { v: 1; id: string | number; type: 'result'; result: unknown } | { v: 1; id: string | number | null; type: 'error'; error: BridgeErrorBody };

const HEX = /^(?:[0-9a-f]{2})*$/;

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Lowercase hex to bytes; undefined for anything else (odd length, other characters). */
export function fromHex(hex: string): Uint8Array | undefined {
  if (!HEX.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}
