/**
 * The shims' stand-in for Chrome's device chooser: who decides (a policy, a callback, or a minimal in-page
 * dialog) and how long a grant lasts (this page only, or remembered in localStorage like Chrome's per-origin
 * device permissions).
 */
import type { ShimDevice } from './device-source.js';

export type ShimApi = 'hid' | 'bluetooth';

export interface ChooserRequest {
  readonly api: ShimApi;
  /** The page asking, as Chrome's chooser names it. */
  readonly origin: string;
  /** The keys matching the page's filters; possibly none. */
  readonly devices: readonly ShimDevice[];
}

/**
 * grant: the first matching key, as if the user picked it; deny: as if the user cancelled; dialog: a minimal
 * chooser in the page; a function: decides itself (undefined is cancel).
 */
export type PromptPolicy = 'grant' | 'deny' | 'dialog' | ((request: ChooserRequest) => Promise<ShimDevice | undefined>);

/** none: every requestDevice asks again and getDevices is empty; session: until the page unloads; storage: localStorage. */
export type RememberPolicy = 'none' | 'session' | 'storage';

export interface PermissionOptions {
  /** Default 'dialog'. */
  readonly prompt?: PromptPolicy;
  /** Default 'storage'. */
  readonly remember?: RememberPolicy;
  /** Chrome's rule that a chooser needs a user gesture. Default true. */
  readonly requireUserActivation?: boolean;
}

export class Grants {
  private readonly ids: Set<string>;

  constructor(
    private readonly api: ShimApi,
    private readonly remember: RememberPolicy,
  ) {
    this.ids = new Set(remember === 'storage' ? this.load() : []);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.remember === 'none') return;
    this.ids.add(id);
    this.save();
  }

  delete(id: string): void {
    this.ids.delete(id);
    this.save();
  }

  private get key(): string {
    return `hkey-shim:${this.api}:granted`;
  }

  private load(): string[] {
    try {
      const value = JSON.parse(globalThis.localStorage?.getItem(this.key) ?? '[]') as unknown;
      return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      // Storage disabled or garbled: start without remembered grants, as a fresh browser profile would.
      return [];
    }
  }

  private save(): void {
    if (this.remember === 'storage') globalThis.localStorage?.setItem(this.key, JSON.stringify([...this.ids]));
  }
}

export async function choose(policy: PromptPolicy, request: ChooserRequest): Promise<ShimDevice | undefined> {
  if (policy === 'grant') return request.devices[0];
  if (policy === 'deny') return undefined;
  if (policy === 'dialog') return chooserDialog(request);
  return policy(request);
}

/** A plain modal like Chrome's chooser: one row per key, Connect and Cancel. Elements carry data-hkey-* attributes for tests. */
function chooserDialog(request: ChooserRequest): Promise<ShimDevice | undefined> {
  const dialog = document.createElement('dialog');
  dialog.dataset.hkeyChooser = request.api;
  dialog.style.cssText = 'font: 14px system-ui, sans-serif; min-width: 320px; border: 1px solid #888; border-radius: 8px; padding: 16px';
  const title = document.createElement('p');
  title.textContent = `${request.origin} wants to connect to ${request.api === 'hid' ? 'a HID device' : 'a Bluetooth device'}`;
  title.style.fontWeight = '600';
  dialog.append(title);
  let selected: ShimDevice | undefined;
  const connect = button('Connect', 'connect');
  connect.disabled = true;
  const rows = request.devices.map((device) => {
    const row = button(device.serial === undefined ? device.name : `${device.name} — ${device.serial}`, 'device');
    row.dataset.hkeyDevice = device.id;
    row.style.cssText = 'display: block; width: 100%; text-align: left; margin: 4px 0; padding: 6px';
    row.addEventListener('click', () => {
      selected = device;
      connect.disabled = false;
      for (const other of rows) {
        other.setAttribute('aria-pressed', String(other === row));
        other.style.background = other === row ? '#cfe0ff' : '';
      }
    });
    return row;
  });
  if (rows.length === 0) {
    const none = document.createElement('p');
    none.textContent = 'No compatible devices found.';
    dialog.append(none);
  }
  dialog.append(...rows);
  const cancel = button('Cancel', 'cancel');
  const actions = document.createElement('div');
  actions.style.cssText = 'display: flex; gap: 8px; justify-content: flex-end; margin-top: 12px';
  actions.append(cancel, connect);
  dialog.append(actions);
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    const finish = (choice: ShimDevice | undefined): void => {
      dialog.close();
      dialog.remove();
      resolve(choice);
    };
    connect.addEventListener('click', () => finish(selected));
    cancel.addEventListener('click', () => finish(undefined));
    // Escape closes a modal dialog: that is a cancel too.
    dialog.addEventListener('cancel', () => finish(undefined));
  });
}

function button(text: string, action: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.dataset.hkeyAction = action;
  return element;
}
