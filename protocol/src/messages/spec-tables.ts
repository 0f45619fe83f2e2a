/**
 * Renders the command, status and data-model tables of docs/protocol.md from the schemas,
 * so the spec cannot drift from the code (a test compares them; `npm run docs` rewrites them).
 */
import { type CommandName, Commands, ErrorDetails } from './commands.js';
import { AccountSchema, AccountSummarySchema, OtpCredentialSchema } from './fields.js';
import { type Schema, schemaFields } from './schema.js';
import { STATUS_DESCRIPTIONS, Status, type StatusName } from '../status.js';

const hex = (value: number): string => `0x${value.toString(16).padStart(2, '0').toUpperCase()}`;

function fieldTable(schema: Schema): string {
  const rows = schemaFields(schema);
  if (rows.length === 0) return '_none (no map)_\n';
  const lines = ['| key | name | type | required | description |', '| --- | --- | --- | --- | --- |'];
  for (const [name, field] of rows) {
    const secret = field.secret ? ' **Secret.**' : '';
    lines.push(`| ${field.key} | ${name} | ${field.type.description} | ${field.required ? 'yes' : 'no'} | ${field.doc}${secret} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderStatusTable(): string {
  const lines = ['| status | name | meaning |', '| --- | --- | --- |'];
  for (const name of Object.keys(Status) as StatusName[]) {
    lines.push(`| ${hex(Status[name])} | ${name} | ${STATUS_DESCRIPTIONS[name]} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderCommandSummary(): string {
  const lines = ['| code | command | PIN | user presence | purpose |', '| --- | --- | --- | --- | --- |'];
  for (const name of Object.keys(Commands) as CommandName[]) {
    const c = Commands[name];
    const pin = c.needsUnlock ? 'unlocked session' : 'no';
    lines.push(`| ${hex(c.code)} | ${name} | ${pin} | ${c.userPresence} | ${c.doc} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderCommandDetails(): string {
  const parts: string[] = [];
  (Object.keys(Commands) as CommandName[]).forEach((name, index) => {
    const c = Commands[name];
    const statuses = c.statuses.length === 0 ? 'only the common statuses of §3.5' : c.statuses.map((s) => `${s} (${hex(Status[s])})`).join(', ');
    parts.push(
      `### 4.${index + 2} ${name} (${hex(c.code)})\n\n${c.doc}\n\n` +
        `Requires: ${c.needsUnlock ? 'an unlocked session when a PIN is set' : 'no PIN'}; ` +
        `user presence: ${c.userPresence}; ${c.allowedWhenBlocked ? 'accepted' : 'refused with PIN_BLOCKED'} while the PIN is blocked.\n\n` +
        `Parameters:\n\n${fieldTable(c.request)}\nResult (status OK):\n\n${fieldTable(c.response)}\nStatuses: ${statuses}.\n`,
    );
  });
  return parts.join('\n');
}

export function renderDataModel(): string {
  return (
    `Account, as AccountGet returns it:\n\n${fieldTable(AccountSchema)}\n` +
    `Account summary, as AccountList returns it:\n\n${fieldTable(AccountSummarySchema)}\n` +
    `OTP credential, as AccountCreate and AccountUpdate take it (AccountGet returns it without key 1):\n\n${fieldTable(OtpCredentialSchema)}\n` +
    `Error details:\n\n` +
    (Object.keys(ErrorDetails) as (keyof typeof ErrorDetails)[]).map((status) => `${status}:\n\n${fieldTable(ErrorDetails[status])}`).join('\n')
  );
}

/** Marker name -> generated block; docs/protocol.md holds each block between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function renderSpecTables(): Record<string, string> {
  return {
    statuses: renderStatusTable(),
    'command-summary': renderCommandSummary(),
    'command-details': renderCommandDetails(),
    'data-model': renderDataModel(),
  };
}
