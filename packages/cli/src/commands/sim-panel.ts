/** The live terminal panel of `hkey sim --interactive`: shows each key and presses its button on a key stroke. */
import { emitKeypressEvents } from 'node:readline';
import type { LoggedEvent } from '@hkey/firmware-sim';
import type { Simulator } from '@hkey/firmware-sim/node';
import type { Output } from '../output.js';
import { terminalLines } from '../terminal-text.js';

const HISTORY = 8;

export function startPanel(simulator: Simulator, output: Output) {
  let selected = 0;
  let winkUntil = 0;
  const recent: string[] = [];
  const quitListeners: (() => void)[] = [];

  const render = (): void => {
    const device = simulator.devices[selected];
    if (device === undefined) return;
    const waiting = device.button.waiting;
    const led = waiting ? 'blinking (waiting for you)' : Date.now() < winkUntil ? 'winking' : 'steady';
    const lines = [
      'hkey sim: interactive    [p] press  [h] hold 10 s  [d] deny  [n] next key  [q] quit',
      '',
      `key ${selected + 1}/${simulator.devices.length}: ${device.key.serial}   udp://${device.udp.host}:${device.udp.port}`,
      `LED: ${led}`,
      `button: ${waiting ? `${waiting.kind === 'hold' ? 'HOLD for 10 s' : 'press'} requested: ${waiting.reason}` : 'idle'}`,
      '',
      'last commands:',
      ...recent.map((line) => `  ${line}`),
    ];
    // Serials come from state files, which anyone could have edited: their controls are escaped, the panel's own are not.
    process.stdout.write(`\x1b[2J\x1b[H${terminalLines(lines.join('\n'))}\n`);
  };

  const onEvent = (event: LoggedEvent): void => {
    if (event.type === 'response') recent.push(`${new Date(event.time).toISOString().slice(11, 19)} ${event.serial} ${event.command} -> ${event.status}`);
    if (event.type === 'wink') winkUntil = Date.now() + 2000;
    if (recent.length > HISTORY) recent.shift();
    render();
  };
  const unsubscribe = simulator.devices.map((device) => device.key.events.subscribe(onEvent));

  emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  const onKey = (_text: string, key: { name?: string; ctrl?: boolean }): void => {
    const device = simulator.devices[selected];
    if (key.name === 'q' || (key.ctrl && key.name === 'c')) return quitListeners.forEach((listener) => listener());
    if (key.name === 'n') selected = (selected + 1) % simulator.devices.length;
    if (device && key.name === 'p' && !device.button.press()) output.debug('nothing is waiting for the button');
    if (device && key.name === 'h') device.button.hold(10_000);
    if (device && key.name === 'd') device.button.deny();
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
      clearInterval(timer);
      unsubscribe.forEach((off) => off());
      process.stdin.off('keypress', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    },
  };
}
