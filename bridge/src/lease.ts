/**
 * Exclusive access to a key is a lease: one owner at a time holds a device, identified by a session token it
 * presents with every request. An in-memory registry with no I/O; the bridge server keeps one per process.
 */
import { DeviceBusyError } from './errors.js';

export interface Lease {
  readonly deviceId: string;
  /** Who holds it, in words a user recognises: "hkey CLI (pid 4242)", "https://app.example". */
  readonly owner: string;
  readonly token: string;
  /** Milliseconds since the Unix epoch. */
  readonly acquiredAt: number;
}

export interface AcquireOptions {
  readonly owner: string;
  /**
   * The token this owner held before (e.g. before its connection dropped). If that lease is still current it is
   * kept, whoever asks; if it is gone a new token is issued, and the caller sees from the different token that
   * the session it knew ended (a PIN it verified may be locked again).
   */
  readonly expectedSession?: string;
}

export class LeaseRegistry {
  private readonly byDevice = new Map<string, Lease>();
  private readonly byToken = new Map<string, Lease>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Returns the session token of `deviceId` for this owner: the current one when the owner (or the holder of
   * `expectedSession`) already has the lease, a new one when the device is free. Throws DeviceBusyError naming
   * the holder when another owner has it.
   */
  acquire(deviceId: string, options: AcquireOptions): string {
    const held = this.byDevice.get(deviceId);
    if (held !== undefined) {
      if (held.owner === options.owner || held.token === options.expectedSession) return held.token;
      throw new DeviceBusyError(held.owner);
    }
    const lease: Lease = { deviceId, owner: options.owner, token: newToken(), acquiredAt: this.now() };
    this.byDevice.set(deviceId, lease);
    this.byToken.set(lease.token, lease);
    return lease.token;
  }

  /** Ends a lease; false when the token holds nothing (already released or never issued). */
  release(token: string): boolean {
    const lease = this.byToken.get(token);
    if (lease === undefined) return false;
    this.byToken.delete(token);
    this.byDevice.delete(lease.deviceId);
    return true;
  }

  /** Ends every lease of an owner (its connection closed); returns the devices freed. */
  releaseOwner(owner: string): string[] {
    const freed: string[] = [];
    for (const lease of this.byToken.values()) {
      if (lease.owner !== owner) continue;
      this.release(lease.token);
      freed.push(lease.deviceId);
    }
    return freed;
  }

  /** The lease a token holds, to authorise a request. */
  lookup(token: string): Lease | undefined {
    return this.byToken.get(token);
  }

  /** The current lease of a device. */
  leaseOf(deviceId: string): Lease | undefined {
    return this.byDevice.get(deviceId);
  }
}

/** 128 random bits, hex: unguessable, so a token is proof of holding the lease. */
function newToken(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
