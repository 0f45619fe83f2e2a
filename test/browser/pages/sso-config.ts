/** What the SSO test tells its init script (pages/sso-shims.ts); shared by Node and the page, so it imports nothing. */
export interface SsoShimConfig {
  readonly source: 'bridge' | 'in-page';
  readonly bridge?: string;
  /** in-page: the key's serial, under which the test process keeps its state. */
  readonly serial?: string;
  /** What the PIN prompt answers, in order; once empty, it cancels. */
  readonly pins: readonly string[];
  /** Lowers the shim's 10-second floor on the page's timeout, for the timeout test. */
  readonly minTimeoutMs?: number;
}

/** The Playwright bindings through which an in-page key loads and saves its flash in the test process. */
export const SSO_BINDINGS = { load: '__ssoKeyLoad', save: '__ssoKeySave' } as const;
