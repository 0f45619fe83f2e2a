import { InvalidArgumentError } from 'commander';

/** Commander argument parser for an integer within [min, max]. */
export function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^-?[0-9]+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be an integer.`);
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`${name} must be from ${min} to ${max}.`);
    return parsed;
  };
}

export const port = (name: string) => integer(name, 0, 65535);

/** A repeatable option whose values may also be comma-separated lists: `-t a -t b,c` gives [a, b, c]. */
export function list(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Commander argument parser for a duration such as 90s, 30m, 12h or 7d (a bare number is seconds), within [min, max] seconds. */
export function duration(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const match = /^([0-9]{1,9})([smhd]?)$/.exec(value.trim());
    if (match === null) throw new InvalidArgumentError(`${name} must be a duration such as 12h or 7d.`);
    const seconds = Number(match[1]) * (DURATION_UNITS[match[2] || 's'] ?? 1);
    if (seconds < min || seconds > max) throw new InvalidArgumentError(`${name} must be from ${min} seconds to ${max / 86_400} days.`);
    return seconds;
  };
}
