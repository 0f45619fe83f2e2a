/**
 * A person at a real key as the suite's hands: the suite prints what to do when the key asks for its button
 * and waits for Enter after a replug. It cannot cut power in the middle of a write, so those cases are skipped.
 */
import { createInterface } from 'node:readline/promises';
import type { DeviceController, PresenceAction } from './device-controller.js';

export interface OperatorControllerOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
}

const INSTRUCTIONS: Readonly<Record<PresenceAction['kind'], string>> = {
  press: "Touch the key's button now (a short press).",
  deny: "Decline on the key now (the key's deny gesture, e.g. a double press).",
  hold: "Hold the key's button down now until the suite moves on",
  ignore: 'Do NOT touch the key: the suite checks what it does while it waits for the button.',
};

export function operatorController(options: OperatorControllerOptions): DeviceController {
  const say = (line: string): void => {
    options.output.write(`\n>>> ${line}\n`);
  };
  return {
    description: 'operator at the terminal',
    capabilities: new Set(['presence', 'restart']),
    prepare: async () => say("Operator mode: the suite will ask you to press, deny, hold or leave the key's button alone, and to replug it."),
    finish: async () => undefined,
    async answerPresence(action) {
      say(action.kind === 'hold' ? `${INSTRUCTIONS.hold} (${Math.ceil(action.ms / 1000)} seconds).` : INSTRUCTIONS[action.kind]);
    },
    async restart() {
      const prompt = createInterface({ input: options.input, output: options.output });
      try {
        await prompt.question('\n>>> Unplug the key (or switch it off), plug it back in (or on), then press Enter. ');
      } finally {
        prompt.close();
      }
    },
    async schedulePowerCut() {
      throw new Error('An operator cannot cut power in the middle of a write; the runner never asks.');
    },
    async clearPowerCut() {
      throw new Error('An operator cannot cut power in the middle of a write; the runner never asks.');
    },
  };
}
