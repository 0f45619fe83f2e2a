/** The simulator's key clock: real time that can also jump ahead, firing the timers it passes in due order. */
import { expect, test } from 'vitest';
import { ManualClock, VirtualClock } from '@hkey/firmware-sim';

test('follows its base clock until told to jump, then stays that far ahead', async () => {
  const base = new ManualClock(1_000);
  const clock = new VirtualClock(base);
  base.advance(250);
  expect(clock.now()).toBe(1_250);
  await clock.advance(30_000);
  expect(clock.now()).toBe(31_250);
  expect(clock.advancedMs).toBe(30_000);
  base.advance(10);
  expect(clock.now()).toBe(31_260);
});

test('a jump fires the timers due on the way in due order, each at its own time, and the ones they schedule', async () => {
  const clock = new VirtualClock(new ManualClock(0));
  const fired: [string, number][] = [];
  clock.setTimer(30_000, () => fired.push(['button timeout', clock.now()]));
  clock.setTimer(100, function tick() {
    fired.push(['keepalive', clock.now()]);
    if (clock.now() < 300) clock.setTimer(100, tick);
  });
  clock.setTimer(40_000, () => fired.push(['later', clock.now()]));
  await clock.advance(30_000);
  expect(fired).toEqual([
    ['keepalive', 100],
    ['keepalive', 200],
    ['keepalive', 300],
    ['button timeout', 30_000],
  ]);
  expect(clock.pendingTimers).toBe(1);
});

test('between timers the work they started settles, so a timer it cancels never fires', async () => {
  const clock = new VirtualClock(new ManualClock(0));
  const fired: string[] = [];
  let cancelKeepalive = (): void => undefined;
  const keepalive = (): void => {
    fired.push(`keepalive ${clock.now()}`);
    cancelKeepalive = clock.setTimer(100, keepalive);
  };
  cancelKeepalive = clock.setTimer(100, keepalive);
  // The timeout ends the command asynchronously, as the key's handlers do; only then does the keepalive stop.
  clock.setTimer(250, () => {
    fired.push('timeout');
    void Promise.resolve().then(() => cancelKeepalive());
  });
  await clock.advance(1_000, () => new Promise((resolve) => setImmediate(resolve)));
  expect(fired).toEqual(['keepalive 100', 'keepalive 200', 'timeout']);
  expect(clock.pendingTimers).toBe(0);
});

test('a cancelled timer never fires, and a timer the base fires in real time fires once', async () => {
  const base = new ManualClock(0);
  const clock = new VirtualClock(base);
  const fired: string[] = [];
  const cancel = clock.setTimer(50, () => fired.push('cancelled'));
  clock.setTimer(80, () => fired.push('real time'));
  cancel();
  base.advance(100);
  await clock.advance(1_000);
  expect(fired).toEqual(['real time']);
  expect(clock.now()).toBe(1_100);
});

test('after a jump the timers left are re-armed on the base, due that much sooner in real time', async () => {
  const base = new ManualClock(0);
  const clock = new VirtualClock(base);
  const fired: number[] = [];
  clock.setTimer(10_000, () => fired.push(base.now()));
  await clock.advance(9_000);
  base.advance(999);
  expect(fired).toEqual([]);
  base.advance(1);
  expect(fired).toEqual([1_000]);
  expect(base.pendingTimers).toBe(0);
});

test('jumps asked for while one runs follow it, and time never runs backwards', async () => {
  const clock = new VirtualClock(new ManualClock(0));
  const seen: number[] = [];
  clock.setTimer(500, () => seen.push(clock.now()));
  clock.setTimer(1_500, () => seen.push(clock.now()));
  await Promise.all([clock.advance(1_000), clock.advance(1_000), clock.advance(-5)]);
  expect(seen).toEqual([500, 1_500]);
  expect(clock.now()).toBe(2_000);
});
