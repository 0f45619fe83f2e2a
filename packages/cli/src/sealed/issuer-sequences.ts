/**
 * The issuer's next sequence number per key (docs/design/sealed-provisioning.md "Sealed item"): a key applies exactly
 * the item after the last one it applied, so every bundle continues where the issuer's previous one stopped. Kept
 * beside the issuer key (FILE.sequences.json), replaced atomically, and bound to the issuer by its id.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '@hkey/firmware-sim/node';
import { CliError } from '../cli-error.js';

export const sequencesPath = (issuerKeyPath: string): string => `${issuerKeyPath}.sequences.json`;

export class IssuerSequences {
  private constructor(
    readonly path: string,
    private readonly issuerId: string,
    private readonly last: Map<string, number>,
  ) {}

  static async open(path: string, issuerId: string): Promise<IssuerSequences> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new IssuerSequences(path, issuerId, new Map());
      throw new CliError('ISSUER_SEQUENCES', `Cannot read ${path}, the issuer's sequence numbers: check its permissions.`);
    }
    const damaged = new CliError('ISSUER_SEQUENCES', `${path} is damaged: restore it from a backup (sealing without it would reuse sequence numbers).`);
    let json: { issuerId?: unknown; keys?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw damaged;
    }
    if (json.issuerId !== issuerId) throw new CliError('ISSUER_SEQUENCES', `${path} belongs to another issuer key.`);
    if (typeof json.keys !== 'object' || json.keys === null) throw damaged;
    const last = new Map<string, number>();
    for (const [serial, value] of Object.entries(json.keys)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw damaged;
      last.set(serial, value);
    }
    return new IssuerSequences(path, issuerId, last);
  }

  /** The next sequence for `serial`, counted as used. */
  next(serial: string): number {
    const sequence = (this.last.get(serial) ?? 0) + 1;
    this.last.set(serial, sequence);
    return sequence;
  }

  async save(): Promise<void> {
    const keys = Object.fromEntries([...this.last].sort(([a], [b]) => a.localeCompare(b)));
    await writeFileAtomically(this.path, Buffer.from(`${JSON.stringify({ issuerId: this.issuerId, keys }, null, 1)}\n`));
  }
}
