/** What the key sends back: canonical CBOR with the keys of §4, error statuses without a map (§3.2.3, §3.5). */
import { Status, encodeRequest } from '@hkey/protocol';
import { check, describeBytes } from '../../checks.js';
import { defineCase } from '../../case.js';

export const responseCases = [
  defineCase({
    id: 'MSG-26',
    group: 'message',
    title: 'Responses are canonical CBOR with the keys of §4; error responses carry no map',
    spec: '§3.2.3, §3.5, §6.4',
    async run(ctx) {
      const session = await ctx.session();
      // session.call decodes with the strict reference decoder: any non-canonical or unknown key fails here.
      await session.ok('GetInfo', {});
      await session.call('AccountList', { includeHidden: true });
      // Account 65535 hardly ever exists; when it does, its answer is a result, which session.call checks too.
      const missing = await session.raw(encodeRequest('AccountGet', { id: 0xffff }));
      if (missing.raw[0] !== Status.OK) {
        check(missing.raw.length === 1, 'an error response of the status byte alone (ACCOUNT_NOT_FOUND or PIN_REQUIRED)', () => describeBytes(missing.raw));
      }
      await session.call('AccountGet', { id: 0xffff });
    },
  }),
];
