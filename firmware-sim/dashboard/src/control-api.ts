/** The page's client of the control API (docs/protocol.md §8.3, §8.6): the same endpoints any program uses. */
import type { KeyDetail, KeyRow, StreamFrame } from '../../src/node/dashboard/view-model.js';

export class TokenRefusedError extends Error {
  constructor() {
    super('The control API refused the token.');
  }
}

export class ControlApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ControlApi {
  constructor(private readonly token: string) {}

  async summary(): Promise<{ keys: KeyRow[]; streamIntervalMs: number }> {
    return (await this.call('GET', '/v1/dashboard')) as { keys: KeyRow[]; streamIntervalMs: number };
  }

  async detail(serial: string): Promise<KeyDetail> {
    return (await this.call('GET', `/v1/devices/${encodeURIComponent(serial)}/details`)) as KeyDetail;
  }

  /** An action on one key, e.g. ('POST', 'button', { action: 'press' }). */
  act(serial: string, method: 'POST' | 'PUT' | 'DELETE', action: string, body?: Record<string, unknown>): Promise<unknown> {
    return this.call(method, `/v1/devices/${encodeURIComponent(serial)}/${action}`, body);
  }

  /** The change stream; a WebSocket cannot send headers, so the token goes in its query (never logged by the server). */
  stream(onFrame: (frame: StreamFrame) => void, onClose: () => void): WebSocket {
    const url = new URL('/v1/dashboard/stream', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', this.token);
    const socket = new WebSocket(url);
    socket.addEventListener('message', (message) => onFrame(JSON.parse(String(message.data)) as StreamFrame));
    socket.addEventListener('close', onClose);
    return socket;
  }

  private async call(method: string, path: string, body?: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
    if (response.status === 401) throw new TokenRefusedError();
    const payload = (await response.json()) as { error?: { code: string; message: string } };
    if (!response.ok) throw new ControlApiError(payload.error?.code ?? 'UNKNOWN', payload.error?.message ?? `The control API answered ${response.status}.`);
    return payload;
  }
}
