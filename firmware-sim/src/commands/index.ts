/** The command dispatch table: one handler per HKP/1 command (docs/protocol.md §4). */
import type { CommandName, RequestOf, ResponseOf } from '@hkey/protocol';
import { accountCreate, accountDelete, accountGet, accountList, accountUpdate } from './accounts.js';
import type { CommandContext } from './context.js';
import { getInfo, setTime } from './info.js';
import { wink, wipe } from './maintenance.js';
import { changePin, lock, setPin, verifyPin } from './pin.js';
import { getOtp, getPassword } from './secrets.js';
import { applySealed } from '../provisioning/apply-sealed.js';
import { enrollIssuer } from '../provisioning/enroll-issuer.js';
import { getIdentity } from '../provisioning/get-identity.js';

/** Serves one command: returns its result or throws DeviceStatus (docs/protocol.md §4). */
export type CommandHandler<N extends CommandName> = (ctx: CommandContext, params: RequestOf<N>) => ResponseOf<N> | Promise<ResponseOf<N>>;

export type CommandHandlers = { readonly [N in CommandName]: CommandHandler<N> };

/** The reference firmware's handlers; a firmware variant replaces some of them (VirtualKeyOptions.handlers). */
export const defaultHandlers: CommandHandlers = {
  GetInfo: getInfo,
  SetTime: setTime,
  SetPin: setPin,
  ChangePin: changePin,
  VerifyPin: verifyPin,
  Lock: lock,
  GetIdentity: getIdentity,
  EnrollIssuer: enrollIssuer,
  ApplySealed: applySealed,
  AccountList: accountList,
  AccountGet: accountGet,
  AccountCreate: accountCreate,
  AccountUpdate: accountUpdate,
  AccountDelete: accountDelete,
  GetOtp: getOtp,
  GetPassword: getPassword,
  Wink: wink,
  Wipe: wipe,
};

export type { CommandContext } from './context.js';
