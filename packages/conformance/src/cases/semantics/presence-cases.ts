/** The button: a press approves, a deny refuses, the host may cancel, and nobody pressing times out after 30 s (§6.3). */
import { encodeRequest } from '@hkey/protocol';
import { TransportError } from '@hkey/bridge';
import { check, checkEqual, delay, fail } from '../../checks.js';
import { defineCase } from '../../case.js';
import { passwordAccount } from '../support/accounts.js';
import { CANCEL_ANSWER_MS, PRESENCE_TIMEOUT_MS, SILENCE_MS } from '../support/timing.js';
import { type HkpSession, rawStatus } from '../../session/hkp-session.js';
import type { CaseContext } from '../../runner/case-context.js';

const needs = ['presence', 'unlocked'] as const;
/** How long after the key starts waiting the host cancels: the wait is under way, far from its 30 s. */
const CANCEL_AFTER_MS = 200;

export const presenceCases = [
  defineCase({
    id: 'SEM-11',
    group: 'semantics',
    title: 'GetPassword waits for the button and returns the password after a press',
    spec: '§4.14, §6.3',
    needs,
    async run(ctx) {
      const session = await ctx.session();
      const id = await passwordAccount(ctx, session);
      const response = await session.call('GetPassword', { id }, { presence: { kind: 'press' } });
      check(response.askedForPresence, 'GetPassword waiting for the button (KEEPALIVE status 2)', () => 'it answered without waiting');
      checkEqual(response.result?.password, 'conformance', 'the password after the press', (value) => JSON.stringify(value));
    },
  }),
  defineCase({
    id: 'SEM-12',
    group: 'semantics',
    title: 'A deny on the key answers USER_PRESENCE_DENIED',
    spec: '§6.3, §4.14',
    needs,
    async run(ctx) {
      const session = await ctx.session();
      const id = await passwordAccount(ctx, session);
      await session.expectStatus('GetPassword', { id }, 'USER_PRESENCE_DENIED', { presence: { kind: 'deny' } });
    },
  }),
  defineCase({
    id: 'SEM-13',
    group: 'semantics',
    title: 'A host that cancels while the key waits for the button gets CANCELLED within 100 ms, and the key is idle again',
    spec: '§6.3, §1.8, §2.7',
    needs,
    async run(ctx) {
      const session = await ctx.session();
      const id = await passwordAccount(ctx, session);
      const abort = new AbortController();
      let abortedAt: number | undefined;
      let response: Uint8Array | undefined;
      try {
        response = await session.transport.exchange(encodeRequest('GetPassword', { id }), {
          signal: abort.signal,
          onKeepalive: (status) => {
            if (status !== 'user-presence' || abortedAt !== undefined) return;
            abortedAt = Infinity;
            void ctx.controller.answerPresence({ kind: 'ignore' }).then(() =>
              setTimeout(() => {
                abortedAt = performance.now();
                abort.abort();
              }, CANCEL_AFTER_MS),
            );
          },
        });
      } catch (error) {
        if (!(error instanceof TransportError && error.code === 'CANCELLED')) throw error;
        // The transport gives up on its own after a grace period; an answer within 100 ms came from the key.
        const after = Math.round(performance.now() - (abortedAt ?? 0));
        const limit = CANCEL_ANSWER_MS + ctx.toleranceMs;
        check(
          after <= limit,
          `the key answering CANCELLED within 100 ms of the CANCEL (${limit} ms with the tolerance)`,
          () => `no answer for ${after} ms, when the host gave up`,
        );
      }
      if (response !== undefined) fail('the request cancelled (status CANCELLED)', `the request answered ${rawStatus(response)}`);
      await session.ok('GetInfo', {});
    },
  }),
];

/** Waits 30 s, or lets them pass at once on the simulator: the last case of the table, so a run that stops at its first failure rarely gets there. */
export const presenceTimeoutCase = defineCase({
  id: 'SEM-21',
  group: 'semantics',
  title: 'Nobody pressing the button answers USER_PRESENCE_TIMEOUT after 30 seconds',
  spec: '§6.3',
  needs,
  async run(ctx) {
    const session = await ctx.session();
    const id = await passwordAccount(ctx, session);
    if (ctx.virtualTime) return timeoutInKeyTime(ctx, session, id);
    const started = performance.now();
    await session.expectStatus('GetPassword', { id }, 'USER_PRESENCE_TIMEOUT', { presence: { kind: 'ignore' } });
    const waited = Math.round(performance.now() - started);
    ctx.note(`the key waited ${waited} ms`);
    // Measured on the host, the wait can only look longer than it was: the lower bound allows timer granularity only.
    check(waited >= PRESENCE_TIMEOUT_MS - 100, 'a wait of 30 s before the timeout', () => `the key gave up after ${waited} ms`);
    check(waited <= PRESENCE_TIMEOUT_MS + 1000 + ctx.toleranceMs, 'the timeout at 30 s, not later', () => `the key answered after ${waited} ms`);
  },
});

/**
 * How much of the 30 s the case lets pass first: the key must still wait then. Real time runs on meanwhile, the
 * jump's own included (it fires some 250 KEEPALIVE ticks), so the margin allows for a busy host.
 */
const STILL_WAITING_AT_MS = PRESENCE_TIMEOUT_MS - 5000;

/** The same wait with the key's clock jumping ahead: still waiting 25 s in, timed out once 30 s have passed. */
async function timeoutInKeyTime(ctx: CaseContext, session: HkpSession, id: number): Promise<void> {
  let startedWaiting = (): void => undefined;
  const waiting = new Promise<void>((resolve) => (startedWaiting = resolve));
  let answered = false;
  const answer = session
    .expectStatus('GetPassword', { id }, 'USER_PRESENCE_TIMEOUT', { presence: { kind: 'ignore' }, onWaiting: startedWaiting })
    .finally(() => (answered = true));
  // Awaited below; a failure before then must not go unhandled.
  answer.catch(() => undefined);
  await Promise.race([waiting, answer]);
  await ctx.passTime(STILL_WAITING_AT_MS);
  // An answer the jump caused is on its way by now; give it a moment to arrive.
  await delay(SILENCE_MS / 5);
  check(!answered, `no answer ${STILL_WAITING_AT_MS / 1000} s into the wait for the button`, () => 'the request was answered before its 30 s were up');
  await ctx.passTime(PRESENCE_TIMEOUT_MS - STILL_WAITING_AT_MS + ctx.toleranceMs);
  await answer;
  ctx.note('the 30 s passed in key time (the simulator let them pass at once)');
}
