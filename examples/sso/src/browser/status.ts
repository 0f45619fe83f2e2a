/**
 * The status line under every page: what is happening, what went wrong. An error shows its name as browsers
 * report it (NotAllowedError, InvalidStateError, AbortError, …) or the server's code, also kept in data-error.
 */
import { ApiError } from './api.js';

const line = (): HTMLElement => document.getElementById('status') as HTMLElement;

export function showStatus(text: string, state: 'working' | 'done'): void {
  line().textContent = text;
  line().dataset.state = state;
  delete line().dataset.error;
}

/** Empties the line when a new action starts, so an old error is not read as the new outcome. */
export function clearStatus(): void {
  line().textContent = '';
  delete line().dataset.state;
  delete line().dataset.error;
}

export function showError(error: unknown): void {
  const name = error instanceof ApiError ? error.code : error instanceof Error || error instanceof DOMException ? error.name : 'Error';
  const message = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  line().textContent = error instanceof ApiError ? message : `${name}: ${message}`;
  line().dataset.state = 'error';
  line().dataset.error = name;
}
