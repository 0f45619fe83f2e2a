/** A client of the simulator's control API (docs/protocol.md §8.3): HTTP on loopback with the per-launch token. */
import { HkeyFixtureError } from './errors.js';

export class ControlApi {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** The reply's JSON; a refusal becomes an HkeyFixtureError with the API's own code and message. */
  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: object): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as T & { error?: { code?: unknown; message?: unknown } };
    if (response.ok) return payload;
    const code = typeof payload.error?.code === 'string' ? payload.error.code : 'CONTROL_API_FAILED';
    const message = typeof payload.error?.message === 'string' ? payload.error.message : `The control API answered ${response.status}.`;
    throw new HkeyFixtureError(code, message);
  }
}
