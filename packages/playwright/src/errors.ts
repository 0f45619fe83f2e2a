import { HkeyError } from '@hkey/protocol';

/** Why the fixture refused or failed; `code` is stable, the message one sentence that quotes no secret. */
export class HkeyFixtureError extends HkeyError {}

export function presenceNotButton(serial: string): HkeyFixtureError {
  return new HkeyFixtureError('PRESENCE_NOT_BUTTON', `Key ${serial} approves every touch itself; use hkey: { presence: 'button' } to press it from the test.`);
}
