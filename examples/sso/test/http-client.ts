/** A browser-like HTTP client of the app: it keeps the session cookie and sends Host and Origin as a page would. */
import { request } from 'node:http';
import type { SsoApp } from '../src/app.js';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export interface SendOptions {
  readonly origin?: string | null;
  readonly host?: string;
  readonly contentType?: string;
  readonly body?: string;
}

export class HttpClient {
  cookie: string | undefined;

  constructor(private readonly app: SsoApp) {}

  get(path: string, options: SendOptions = {}): Promise<Reply> {
    return this.send('GET', path, options);
  }

  post(path: string, body: Record<string, unknown> = {}, options: SendOptions = {}): Promise<Reply> {
    return this.send('POST', path, { body: JSON.stringify(body), ...options });
  }

  /** A POST that must succeed; returns its JSON. */
  async ok<T = Record<string, unknown>>(path: string, body: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.post(path, body);
    if (reply.status !== 200) throw new Error(`${path} answered ${reply.status} ${reply.text}`);
    return reply.json as T;
  }

  send(method: string, path: string, options: SendOptions): Promise<Reply> {
    const headers: Record<string, string> = { host: options.host ?? `localhost:${this.app.port}` };
    if (method === 'POST') {
      headers['content-type'] = options.contentType ?? 'application/json';
      if (options.origin !== null) headers.origin = options.origin ?? this.app.origin;
    }
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port: this.app.port, method, path, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const setCookie = response.headers['set-cookie']?.[0];
          if (setCookie !== undefined) {
            const value = setCookie.split(';')[0] as string;
            this.cookie = value.endsWith('=') ? undefined : value;
          }
          let json: Reply['json'] = {};
          try {
            json = JSON.parse(text) as Reply['json'];
          } catch {
            // pages are HTML
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });
  }
}
