/** How stored accounts look from the host: never the secret, never the password (docs/protocol.md §5.1). */
import type { Account, AccountSummary, OtpInfo } from '@hkey/protocol';
import type { StoredAccount, StoredOtp } from '../core/state.js';

export function otpView(otp: StoredOtp): OtpInfo {
  return otp.kind === 'TOTP'
    ? { kind: 'TOTP', algorithm: otp.algorithm, digits: otp.digits, period: otp.period }
    : { kind: 'HOTP', algorithm: otp.algorithm, digits: otp.digits, counter: toWire(otp.counter ?? 0n) };
}

/** 64-bit values travel as numbers when they are safe integers (the CBOR model of docs/protocol.md §3.2). */
export function toWire(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function summaryView(account: StoredAccount): AccountSummary {
  return {
    id: account.id,
    name: account.name,
    login: account.login,
    hasPassword: account.password !== undefined,
    flags: account.flags,
    otp: account.otp && otpView(account.otp),
  };
}

export function accountView(account: StoredAccount): Account {
  return { ...summaryView(account), urls: account.urls && [...account.urls], apps: account.apps && [...account.apps] };
}
