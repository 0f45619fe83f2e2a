/** Shows a fresh set of recovery codes, the only time they are ever shown. */
import { byId } from './dom.js';

export function showRecoveryCodes(codes: readonly string[]): void {
  const list = byId('recovery-codes');
  list.replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }),
  );
  byId('recovery').hidden = false;
}
