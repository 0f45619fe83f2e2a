/**
 * The typed client of HKP/1 (docs/protocol.md §4) over any Transport: one method per command, results
 * decoded strictly, error statuses thrown as DeviceStatusError, malformed responses as PROTOCOL_VIOLATION.
 */
import {
  type CommandName,
  type ErrorDetailsOf,
  HkeyError,
  type RequestOf,
  type ResponseOf,
  type SealedItem,
  type SignedReceipt,
  decodeResponse,
  encodeRequest,
  sealedItemParams,
} from '@hkey/protocol';
import { DeviceStatusError, type DeviceStatusName, TransportError } from './errors.js';
import type { Transport } from './transport.js';

import { type CallOptions, exchangeOptions } from './call-options.js';

export type { CallOptions };

export type DeviceInfo = ResponseOf<'GetInfo'>;
export type AccountId = RequestOf<'AccountGet'>['id'];
export type AccountSummary = ResponseOf<'AccountList'>['accounts'][number];
export type AccountDetails = ResponseOf<'AccountGet'>;
export type OtpResult = ResponseOf<'GetOtp'>;
export type KeyIdentity = ResponseOf<'GetIdentity'>;

export interface ListAccountsOptions extends CallOptions {
  /** Also list accounts flagged hidden. Default false. */
  readonly includeHidden?: boolean;
}

export class KeyClient {
  constructor(readonly transport: Transport) {}

  getInfo(options?: CallOptions): Promise<DeviceInfo> {
    return this.call('GetInfo', {}, options);
  }

  /** Sets the key's clock (which TOTP uses); default: this computer's time. */
  async setTime(time: RequestOf<'SetTime'>['time'] = Math.floor(Date.now() / 1000), options?: CallOptions): Promise<void> {
    await this.call('SetTime', { time }, options);
  }

  /** Sets the first PIN of a fresh key (needs a button press); this session is then unlocked. */
  async setPin(params: RequestOf<'SetPin'>, options?: CallOptions): Promise<void> {
    await this.call('SetPin', params, options);
  }

  async changePin(params: RequestOf<'ChangePin'>, options?: CallOptions): Promise<void> {
    await this.call('ChangePin', params, options);
  }

  /** Unlocks this session; a wrong PIN throws DeviceStatusError PIN_INVALID with the retries left. */
  verifyPin(pin: RequestOf<'VerifyPin'>['pin'], options?: CallOptions): Promise<ResponseOf<'VerifyPin'>> {
    return this.call('VerifyPin', { pin }, options);
  }

  async lock(options?: CallOptions): Promise<void> {
    await this.call('Lock', {}, options);
  }

  /** Every account, following AccountList pages until the key's total is reached. */
  async listAccounts(options: ListAccountsOptions = {}): Promise<AccountSummary[]> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const includeHidden = options.includeHidden === true ? true : undefined;
    const accounts: AccountSummary[] = [];
    for (;;) {
      const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      const page = await this.call('AccountList', { offset: accounts.length, includeHidden }, { ...options, timeoutMs });
      accounts.push(...page.accounts);
      // An empty page ends the listing even short of the total: accounts deleted meanwhile by another session.
      if (accounts.length >= page.total || page.accounts.length === 0) return accounts;
    }
  }

  getAccount(id: AccountId, options?: CallOptions): Promise<AccountDetails> {
    return this.call('AccountGet', { id }, options);
  }

  createAccount(params: RequestOf<'AccountCreate'>, options?: CallOptions): Promise<ResponseOf<'AccountCreate'>> {
    return this.call('AccountCreate', params, options);
  }

  updateAccount(params: RequestOf<'AccountUpdate'>, options?: CallOptions): Promise<ResponseOf<'AccountUpdate'>> {
    return this.call('AccountUpdate', params, options);
  }

  deleteAccount(id: AccountId, options?: CallOptions): Promise<ResponseOf<'AccountDelete'>> {
    return this.call('AccountDelete', { id }, options);
  }

  /** The current code: TOTP on the key's clock, or HOTP with the key's counter (which advances). */
  getOtp(id: AccountId, options?: CallOptions): Promise<OtpResult> {
    return this.call('GetOtp', { id }, options);
  }

  /** The account's password, after a button press on the key. */
  getPassword(id: AccountId, options?: CallOptions): Promise<ResponseOf<'GetPassword'>> {
    return this.call('GetPassword', { id }, options);
  }

  /** Blinks the key's LED. */
  async wink(options?: CallOptions): Promise<void> {
    await this.call('Wink', {}, options);
  }

  /** Erases every account and the PIN after a 10-second button hold; the key's identity stays. */
  async wipe(options?: CallOptions): Promise<void> {
    await this.call('Wipe', {}, options);
  }

  /** The key's provisioning identity: public keys, certificate chain, lifecycle and issuer (docs/protocol.md §10.2). */
  getIdentity(options?: CallOptions): Promise<KeyIdentity> {
    return this.call('GetIdentity', {}, options);
  }

  /** Makes the key obey an issuer: a Ready key asks for a button press; an enrolled one needs its issuer's handover signature. */
  enrollIssuer(params: RequestOf<'EnrollIssuer'>, options?: CallOptions): Promise<ResponseOf<'EnrollIssuer'>> {
    return this.call('EnrollIssuer', params, options);
  }

  /** Hands the key one sealed item; it answers every item, applied or refused, with a receipt it signed. */
  async applySealed(item: SealedItem, options?: CallOptions): Promise<SignedReceipt> {
    const params = sealedItemParams(item);
    const answer = await this.call(
      'ApplySealed',
      { header: item.header, enc: item.enc, ciphertext: params.get(3) as Uint8Array[], signature: item.signature },
      options,
    );
    return { receipt: answer.receipt, signature: answer.signature };
  }

  /**
   * The account a user means by `nameOrId`: the exact name, else the only name equal ignoring case, else the
   * numeric id. Hidden accounts count, since whoever names one knows it is there.
   */
  async findAccount(nameOrId: string | number, options?: CallOptions): Promise<AccountSummary | undefined> {
    const accounts = await this.listAccounts({ ...options, includeHidden: true });
    if (typeof nameOrId === 'string') {
      const exact = accounts.find((account) => account.name === nameOrId);
      if (exact !== undefined) return exact;
      const lower = nameOrId.toLowerCase();
      const folded = accounts.filter((account) => account.name.toLowerCase() === lower);
      if (folded.length === 1) return folded[0];
    }
    const id = typeof nameOrId === 'number' ? nameOrId : /^[0-9]+$/.test(nameOrId) ? Number(nameOrId) : undefined;
    return id === undefined ? undefined : accounts.find((account) => account.id === id);
  }

  private async call<N extends CommandName>(command: N, params: RequestOf<N>, options: CallOptions = {}): Promise<ResponseOf<N>> {
    const response = await this.transport.exchange(encodeRequest(command, params), exchangeOptions(options));
    let decoded;
    try {
      decoded = decodeResponse(command, response);
    } catch (error) {
      if (error instanceof HkeyError) throw new TransportError('PROTOCOL_VIOLATION', { cause: error });
      throw error;
    }
    if (decoded.ok) return decoded.result;
    const status = decoded.status as DeviceStatusName;
    throw new DeviceStatusError(status, decoded.details as ErrorDetailsOf<typeof status> | undefined);
  }
}
