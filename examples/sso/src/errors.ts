/** Every refusal the app makes: a stable code, the HTTP status, and one sentence that quotes no input. */
export class SsoError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SsoError';
  }
}
