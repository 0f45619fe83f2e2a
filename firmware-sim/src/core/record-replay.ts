/**
 * Record an exchange with a key to a text fixture, and replay a fixture strictly as a stand-in key: any
 * request that differs from the next recorded one, and any recorded line left unconsumed, is an error.
 * Recordings never contain secrets (see the protocol package's fixture module).
 */
import { FixtureError, type FixtureExchange, fixtureHex, formatFixtureLine, parseFixture, redactRequest, redactResponse } from '@hkey/protocol';
import type { HandleOptions } from './session.js';

interface MessageHandler {
  handle(request: Uint8Array, options?: HandleOptions): Promise<Uint8Array | undefined>;
}

/** Wraps a session (or anything with handle()) and keeps a fixture of every exchange. */
export class Recorder implements MessageHandler {
  private readonly lines: string[] = [];

  constructor(private readonly target: MessageHandler) {}

  async handle(request: Uint8Array, options?: HandleOptions): Promise<Uint8Array | undefined> {
    const response = await this.target.handle(request, options);
    if (response !== undefined) {
      this.lines.push(formatFixtureLine('=>', redactRequest(request)), formatFixtureLine('<=', redactResponse(request, response)));
    }
    return response;
  }

  get fixture(): string {
    return this.lines.map((line) => `${line}\n`).join('');
  }
}

/** Plays a fixture back: answers each expected request with its recorded response. */
export class Replayer implements MessageHandler {
  private readonly exchanges: FixtureExchange[];
  private position = 0;

  constructor(fixture: string) {
    this.exchanges = parseFixture(fixture);
  }

  async handle(request: Uint8Array): Promise<Uint8Array> {
    const expected = this.exchanges[this.position];
    if (expected === undefined)
      throw new FixtureError('REPLAY_EXHAUSTED', `The fixture has ${this.exchanges.length} exchanges and a request came after the last.`);
    const seen = fixtureHex(redactRequest(request).bytes);
    const wanted = fixtureHex(expected.request);
    if (seen !== wanted) {
      throw new FixtureError('REPLAY_MISMATCH', `Exchange ${this.position + 1} differs from the fixture: expected => ${wanted}, got => ${seen}.`);
    }
    this.position += 1;
    return expected.response.slice();
  }

  /** Fails when recorded exchanges were never requested. */
  assertDone(): void {
    if (this.position !== this.exchanges.length) {
      throw new FixtureError('REPLAY_UNCONSUMED', `${this.exchanges.length - this.position} recorded exchanges were never requested.`);
    }
  }
}
