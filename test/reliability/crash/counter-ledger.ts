/**
 * The FIDO signature counter across SIGKILLs (CTAP 2.1 §6.1.2, docs/reliability.md): every counter the key answers
 * with must exceed every one it answered or stored before, and after a kill storage holds the last acknowledged
 * counter, or one more when a request was in flight (its write landed, its answer did not). So no counter can ever
 * come out twice, whenever the process dies.
 */
import { CtapStatus, decodeAuthenticatorData, decodeCtap } from '@hkey/protocol';

function fail(message: string): never {
  throw new Error(message);
}

export class CounterLedger {
  /** How many lives were checked, and in how many a counter write was in flight at the kill. */
  checks = 0;
  interrupted = 0;

  /** `issued`: the counter in storage before the first life. */
  constructor(private issued: number) {}

  /** One life: how many requests were sent, the answers that came back in order, the counter stored after the kill. */
  settle(sent: number, answers: readonly (Uint8Array | undefined)[], stored: number | undefined): void {
    this.checks++;
    for (const answer of answers) {
      if (answer === undefined || answer[0] !== CtapStatus.OK)
        fail(`a request answered ${answer === undefined ? 'nothing' : `status 0x${answer[0]?.toString(16)}`}`);
      const body = decodeCtap(answer.subarray(1)) as Map<number, unknown>;
      const counter = decodeAuthenticatorData(body.get(2) as Uint8Array).signCount;
      if (counter <= this.issued) fail(`the key answered with signature counter ${counter} after ${this.issued} had been issued or stored`);
      this.issued = counter;
    }
    if (stored === undefined) fail('the state file lost its FIDO state');
    const inFlight = sent > answers.length;
    if (stored < this.issued) fail(`storage holds counter ${stored}, below the ${this.issued} the key already answered with`);
    if (stored > this.issued + (inFlight ? 1 : 0)) fail(`storage holds counter ${stored}, more than one beyond the last answer ${this.issued}`);
    if (stored > this.issued) this.interrupted++;
    this.issued = stored;
  }
}
