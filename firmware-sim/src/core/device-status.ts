import type { ErrorDetailsOf, StatusName } from '@hkey/protocol';

/** Thrown by command handlers to answer with an error status (and its details map, when the status has one). */
export class DeviceStatus<S extends Exclude<StatusName, 'OK'> = Exclude<StatusName, 'OK'>> extends Error {
  constructor(
    readonly status: S,
    readonly details?: ErrorDetailsOf<S>,
  ) {
    super(status);
  }
}
