/** The live terminal panel of `hkey sim --interactive`: shows each key and presses its button on a key stroke. */
import { emitKeypressEvents } from 'node:readline';
import type { LoggedEvent } from '@hkey/firmware-sim';
import type { DeviceDescription, KeyFleet } from '@hkey/firmware-sim/node';
import type { Output } from '../output.js';
import { terminalLines } from '../terminal-text.js';

const HISTORY = 8;

export async function startPanel(fleet: KeyFleet, output: Output) {
  let selected = 0;
  let winkUntil = 0;
  const recent: string[] = [];
  const quitListeners: (() => void)[] = [];
  /** The selected key as last described (its button wait comes from wherever the key runs). */
  let shown: DeviceDescription | undefined;
  let closed = false;

  const draw = (): void => {
    const device = shown;
    if (device === undefined || closed) return;
    const waiting = device.waitingForButton;
    const led = waiting ? 'blinking (waiting for you)' : Date.now() < winkUntil ? 'winking' : 'steady';
    const lines = [
      'hkey sim: interactive    [p] press  [h] hold 10 s  [d] deny  [n] next key  [q] quit',
      '',
      `key ${selected + 1}/${fleet.serials.length}: ${device.serial}   udp://${device.udp.host}:${device.udp.port}`,
      `LED: ${led}`,
      `button: ${waiting ? `${waiting.kind === 'hold' ? 'HOLD for 10 s' : 'press'} requested: ${waiting.reason}` : 'idle'}`,
      '',
      'last commands:',
      ...recent.map((line) => `  ${line}`),
    ];
    // Serials come from state files, which anyone could have edited: their controls are escaped, the panel's own are not.
    process.stdout.write(`\x1b[2J\x1b[H${terminalLines(lines.join('\n'))}\n`);
  };
  const control = (action: string, body: Record<string, unknown> = {}) =>
    fleet.control(fleet.serials[selected] as string, { method: action === '' ? 'GET' : 'POST', action, body, query: [] }, new AbortController().signal);
  const render = (): void => {
    control('').then(
      (description) => {
        shown = description as DeviceDescription;
        draw();
      },
      () => undefined,
    );
  };

  const onEvent = (event: LoggedEvent): void => {
    if (event.type === 'response') recent.push(`${new Date(event.time).toISOString().slice(11, 19)} ${event.serial} ${event.command} -> ${event.status}`);
    if (event.type === 'wink') winkUntil = Date.now() + 2000;
    if (recent.length > HISTORY) recent.shift();
    render();
  };
  const unsubscribe = await fleet.subscribe(onEvent);

  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  const press = (body: Record<string, unknown>): void => {
    control('button', body).then(render, () => output.debug('nothing is waiting for the button'));
  };
  const onKey = (_text: string, key: { name?: string; ctrl?: boolean }): void => {
    if (key.name === 'q' || (key.ctrl && key.name === 'c')) return quitListeners.forEach((listener) => listener());
    if (key.name === 'n') selected = (selected + 1) % fleet.serials.length;
    if (key.name === 'p') press({ action: 'press' });
    if (key.name === 'h') press({ action: 'hold', ms: 10_000 });
    if (key.name === 'd') press({ action: 'deny' });
    render();
  };
  process.stdin.on('keypress', onKey);
  const timer = setInterval(render, 1000);
  render();

  return {
    onQuit(listener: () => void) {
      quitListeners.push(listener);
    },
    close() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      process.stdin.off('keypress', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    },
  };
}
