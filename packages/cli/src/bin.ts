import { mustExitExplicitly } from './lingering.js';
import { main } from './program.js';

await main(process.argv);
// Exit only after stdout has been written out (pipes are asynchronous on some systems).
if (mustExitExplicitly()) process.stdout.write('', () => process.exit());
