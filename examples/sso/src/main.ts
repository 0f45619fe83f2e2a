/**
 * `npm run example:sso [-- --port PORT --data-dir DIR --email ADDRESS --timeout-ms MS]`: the relying party on
 * 127.0.0.1, reached as http://localhost:PORT. It prints the URL and, for an account not yet enrolled, an
 * enrollment link (single use, valid 24 hours) as an administrator would e-mail it; nothing else is ever logged.
 */
import { startSsoApp } from './app.js';
import { parseArguments } from './config.js';
import { SsoError } from './errors.js';

async function main(): Promise<number> {
  const config = parseArguments(process.argv.slice(2));
  const app = await startSsoApp({ config, onInternalError: (description) => console.error(`internal error: ${description}`) });
  console.log(`hkey SSO example on ${app.origin} (${config.dataDir === undefined ? 'in memory' : `data in ${config.dataDir}`})`);
  const user = app.services.users.byEmail(config.inviteEmail);
  if (user?.enrolledAt !== undefined) {
    console.log(`${config.inviteEmail} is enrolled: sign in at ${app.origin}/login`);
  } else {
    console.log(`enrollment link for ${config.inviteEmail} (single use, valid 24 hours):\n  ${app.invite(config.inviteEmail)}`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof SsoError) console.error(error.message);
    else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error('That port is taken; pick another with --port PORT.');
    else console.error(`The SSO example could not start (${error instanceof Error ? error.name : 'unknown error'}).`);
    // 2: the command line was wrong, as for hkey's own usage errors.
    process.exit(error instanceof SsoError && error.code === 'BAD_ARGUMENTS' ? 2 : 1);
  },
);
