import { mustExitExplicitly } from './lingering.js';
import { main } from './program.js';

// A reader that stops early (`hkey --help | head`) is not an error: stop quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit();
  throw error;
});

await main(process.argv);
// Exit only after stdout has been written out (pipes are asynchronous on some systems).
if (mustExitExplicitly()) process.stdout.write('', () => process.exit());
