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
