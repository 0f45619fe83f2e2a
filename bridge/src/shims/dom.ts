/** Small DOM helpers the shims share: Chrome-like errors, `on<event>` handler properties, the user-gesture check. */

export function domError(name: string, message: string, cause?: unknown): DOMException {
  const error = new DOMException(message, name);
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true });
  return error;
}

/** The message a bridge error carries, so a page sees "in use by …" instead of a bare failure. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Adds `on<type>` properties to a class's prototype that behave like the DOM's: assigning a function registers
 * it as a listener, assigning another replaces it, null removes it.
 */
export function defineEventHandlers(prototype: EventTarget, types: readonly string[]): void {
  for (const type of types) {
    const slot = Symbol(`on${type}`);
    Object.defineProperty(prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get(this: Record<symbol, EventListener | null>) {
        return this[slot] ?? null;
      },
      set(this: EventTarget & Record<symbol, EventListener | null>, handler: unknown) {
        const previous = this[slot];
        if (previous) this.removeEventListener(type, previous);
        this[slot] = typeof handler === 'function' ? (handler as EventListener) : null;
        if (this[slot]) this.addEventListener(type, this[slot]);
      },
    });
  }
}

/** Chrome shows device choosers only while the page handles a user gesture (transient activation). */
export function assertUserActivation(required: boolean): void {
  if (!required) return;
  const activation = (globalThis.navigator as (Navigator & { userActivation?: { isActive: boolean } }) | undefined)?.userActivation;
  if (activation !== undefined && !activation.isActive) {
    throw domError('SecurityError', 'Must be handling a user gesture to show a permission request.');
  }
}

/** What the W3C APIs take as bytes (BufferSource), including views of any ArrayBuffer kind. */
export type BufferLike = ArrayBuffer | ArrayBufferView;

/** The bytes of a BufferSource, copied. */
export function copyBytes(data: BufferLike): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  throw new TypeError("The provided value is not of type '(ArrayBuffer or ArrayBufferView)'.");
}

/** Replaces a navigator property (navigator.hid, navigator.bluetooth) with a shim; returns the function that restores it. */
export function installOnNavigator(target: object, name: string, value: unknown): () => void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, configurable: true, enumerable: true, writable: false });
  return () => {
    if (own === undefined) delete (target as Record<string, unknown>)[name];
    else Object.defineProperty(target, name, own);
  };
}
