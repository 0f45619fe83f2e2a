/** Small DOM helpers for the page script. */
import { clearStatus } from './status.js';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no #${id}.`);
  return element as T;
}

export function optional<T extends HTMLElement = HTMLElement>(id: string): T | undefined {
  return (document.getElementById(id) as T | null) ?? undefined;
}

/** Runs `task` on submit (forms) or click (buttons), with the control disabled and the status line cleared. */
export function onAction(element: HTMLElement, task: () => Promise<void>): void {
  const isForm = element instanceof HTMLFormElement;
  element.addEventListener(isForm ? 'submit' : 'click', (event) => {
    event.preventDefault();
    clearStatus();
    const controls = isForm ? Array.from(element.querySelectorAll('button')) : [element as HTMLButtonElement];
    for (const control of controls) control.disabled = true;
    void task().finally(() => {
      for (const control of controls) control.disabled = false;
    });
  });
}
