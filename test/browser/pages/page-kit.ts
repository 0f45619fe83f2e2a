/** What every test page shares: a Go button (a real click gives the user activation choosers need) and a result line. */

export function param(name: string): string | undefined {
  return new URLSearchParams(location.search).get(name) ?? undefined;
}

/** Prints the outcome; the test waits for data-done and reads the text. */
export function show(text: string): void {
  const result = document.getElementById('result') as HTMLElement;
  result.textContent = text;
  result.dataset.done = 'true';
}

/** "error: NAME: [CODE ]MESSAGE"; CODE is a bridge error's string code (DOMException's legacy numeric code is left out). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error || error instanceof DOMException)) return `error: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  const causeCode = ((error as { cause?: { code?: unknown } }).cause as { code?: unknown } | undefined)?.code;
  const cause = typeof causeCode === 'string' ? ` [cause ${causeCode}]` : '';
  return `error: ${error.name}: ${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}

/** Runs `task` on every click of Go, or once at load with ?trigger=load (no user gesture), and shows what it returns or throws. */
export function onGo(task: () => Promise<string>): void {
  const run = (): void => {
    task().then(show, (error: unknown) => show(describeError(error)));
  };
  if (param('trigger') === 'load') run();
  else (document.getElementById('go') as HTMLButtonElement).addEventListener('click', run);
}
