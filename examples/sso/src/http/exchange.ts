/** The shape of a route: what it is given about one request and what it may answer. */
import type { IncomingMessage } from 'node:http';
import type { Proof, Session, SessionStage } from '../store/sessions.js';

export interface Exchange {
  readonly request: IncomingMessage;
  readonly url: URL;
  readonly session: Session | undefined;
  /** The JSON body of a POST; empty for GET. */
  readonly body: Record<string, unknown>;
  /** Moves the browser to a fresh session (a new cookie); the old one, if any, ends. */
  startSession(stage: SessionStage, userId?: number, proof?: Proof): Session;
  /** Ends the session and clears the cookie. */
  endSession(): void;
}

export type Outcome =
  | { readonly json: unknown; readonly status?: number }
  | { readonly html: string; readonly status?: number }
  | { readonly redirect: string }
  | { readonly asset: 'script' | 'style' };

export type Route = (exchange: Exchange) => Outcome | Promise<Outcome>;

/** Routes by "METHOD /path". */
export type Routes = Readonly<Record<string, Route>>;
