/**
 * The relying party as one HTTP server on 127.0.0.1: admission checks, sessions from the cookie, routing to the
 * page and API routes, and refusals as JSON (API) or a short page (browser navigation). It logs no request: URLs
 * carry invitation tokens and bodies carry passwords and codes.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { join } from 'node:path';
import { type Assets, buildAssets } from './assets.js';
import { DEFAULT_CONFIG, type SsoConfig, originOf } from './config.js';
import { Database } from './db/database.js';
import { SsoError } from './errors.js';
import { admit } from './http/admission.js';
import type { Exchange, Outcome, Routes } from './http/exchange.js';
import { readJsonObject, sessionCookie } from './http/request.js';
import { redirect, sendJson, sendText, setSessionCookie } from './http/response.js';
import { enrollmentRoutes } from './routes/enrollment.js';
import { keyRoutes } from './routes/keys.js';
import { loginRoutes } from './routes/login.js';
import { pageRoutes } from './routes/pages.js';
import { reauthRoutes } from './routes/reauth.js';
import { type Services, makeServices } from './services.js';
import type { Session } from './store/sessions.js';
import { html, layout } from './views/html.js';

export interface SsoAppOptions {
  readonly config?: Partial<SsoConfig>;
  /** The clock (Unix ms); tests move it to expire invitations, challenges and sessions. */
  readonly now?: () => number;
  /** Unexpected failures, described without their message (it might quote a request). */
  readonly onInternalError?: (description: string) => void;
}

export interface SsoApp {
  /** http://localhost:PORT, the one origin the app accepts. */
  readonly origin: string;
  readonly port: number;
  readonly services: Services;
  /** An enrollment link for `email` (the account is made when missing). */
  invite(email: string): string;
  close(): Promise<void>;
}

export const DATABASE_FILE = 'sso.sqlite';

export async function startSsoApp(options: SsoAppOptions = {}): Promise<SsoApp> {
  const config: SsoConfig = { ...DEFAULT_CONFIG, ...options.config };
  const now = options.now ?? Date.now;
  const [db, assets] = await Promise.all([Database.open(config.dataDir === undefined ? undefined : join(config.dataDir, DATABASE_FILE)), buildAssets()]);

  let handle: (request: IncomingMessage, response: ServerResponse) => Promise<void> = async (_request, response) => void response.writeHead(503).end();
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const site = originOf(port);
  const services = makeServices(db, config, site, now);
  const routes: Routes = {
    ...pageRoutes(services),
    ...enrollmentRoutes(services),
    ...keyRoutes(services),
    ...loginRoutes(services),
    ...reauthRoutes(services),
  };
  handle = (request, response) => serve(request, response, { services, routes, assets, onInternalError: options.onInternalError });

  return {
    origin: site.origin,
    port,
    services,
    invite(email) {
      const user = services.users.ensure(email);
      return `${site.origin}/enroll?token=${services.invitations.create(user.id, config.invitationTtlMs)}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

interface Context {
  readonly services: Services;
  readonly routes: Routes;
  readonly assets: Assets;
  readonly onInternalError: ((description: string) => void) | undefined;
}

async function serve(request: IncomingMessage, response: ServerResponse, { services, routes, assets, onInternalError }: Context): Promise<void> {
  const url = new URL(request.url ?? '/', services.rp.origin);
  const isApi = url.pathname.startsWith('/api/');
  try {
    // Someone who typed the numeric address gets the one origin WebAuthn works under.
    if (request.method === 'GET' && request.headers.host === `127.0.0.1:${new URL(services.rp.origin).port}`) {
      return redirect(response, `${services.rp.origin}${url.pathname}${url.search}`);
    }
    admit(request, { origin: services.rp.origin, host: services.host });
    const route = routes[`${request.method} ${url.pathname}`];
    if (route === undefined) throw new SsoError('NOT_FOUND', 404, 'There is no such page.');
    const body = request.method === 'POST' ? await readJsonObject(request) : {};
    const exchange = exchangeFor(services, request, response, url, body);
    send(response, await route(exchange), assets);
  } catch (error) {
    const refusal = error instanceof SsoError ? error : new SsoError('INTERNAL', 500, 'Something went wrong on the server; try again.');
    if (!(error instanceof SsoError)) onInternalError?.(describe(error));
    if (isApi || request.method !== 'GET') sendJson(response, refusal.status, { error: { code: refusal.code, message: refusal.message } });
    else
      sendText(
        response,
        refusal.status,
        'text/html',
        layout(
          'Something is not right',
          'error',
          html`<p class="notice">${refusal.message}</p>
            <p><a href="/login">Go to sign-in</a></p>`,
        ),
      );
  }
}

function exchangeFor(services: Services, request: IncomingMessage, response: ServerResponse, url: URL, body: Record<string, unknown>): Exchange {
  const secure = services.rp.origin.startsWith('https:');
  let session: Session | undefined = services.sessions.find(sessionCookie(request, secure));
  const maxAge = Math.floor(services.config.sessionTtlMs / 1000);
  return {
    request,
    url,
    body,
    get session() {
      return session;
    },
    startSession(stage, userId, proof) {
      if (session !== undefined) services.sessions.destroy(session);
      const started = services.sessions.create(stage, userId, proof);
      session = started.session;
      setSessionCookie(response, started.id, secure, maxAge);
      return session;
    },
    endSession() {
      if (session !== undefined) services.sessions.destroy(session);
      session = undefined;
      setSessionCookie(response, undefined, secure, 0);
    },
  };
}

function send(response: ServerResponse, outcome: Outcome, assets: Assets): void {
  if ('redirect' in outcome) return redirect(response, outcome.redirect);
  if ('asset' in outcome) {
    return outcome.asset === 'script' ? sendText(response, 200, 'text/javascript', assets.script) : sendText(response, 200, 'text/css', assets.style);
  }
  if ('html' in outcome) return sendText(response, outcome.status ?? 200, 'text/html', outcome.html);
  sendJson(response, outcome.status ?? 200, outcome.json);
}

/** The kind of failure and where, never its message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-Error value was thrown';
  const frames = (error.stack ?? '')
    .split('\n')
    .slice(1, 4)
    .map((line) => line.trim());
  return [error.name, ...frames].join(' | ');
}
