import { VERSION } from './version.js';

// A reader that stops early (`hkey --help | head`) is not an error: stop quietly, as other Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit();
  throw error;
});

const args = process.argv.slice(2);
// `hkey --version` alone is answered here, as commander would, without loading the command tree and its libraries.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const [{ mustExitExplicitly }, { main }] = await Promise.all([import('./lingering.js'), import('./program.js')]);
  await main(process.argv);
  // Exit only after stdout has been written out (pipes are asynchronous on some systems).
  if (mustExitExplicitly()) process.stdout.write('', () => process.exit());
}
