/** What the test pages share: a Go button (a real click is the user gesture choosers need) and a result line. */

export function param(name: string): string | undefined {
  return new URLSearchParams(location.search).get(name) ?? undefined;
}

function show(text: string): void {
  const result = document.getElementById('result') as HTMLElement;
  result.textContent = text;
  result.dataset.done = 'true';
}

/** "error: NAME: MESSAGE", as a page would log a rejected promise. */
function describeError(error: unknown): string {
  return error instanceof Error || error instanceof DOMException ? `error: ${error.name}: ${error.message}` : `error: ${String(error)}`;
}

/** Runs `task` on every click of Go and shows what it returns or throws. */
export function onGo(task: () => Promise<string>): void {
  (document.getElementById('go') as HTMLButtonElement).addEventListener('click', () => {
    task().then(show, (error: unknown) => show(describeError(error)));
  });
}
