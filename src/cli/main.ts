// The headless runner: `npm run train -- --dataset digits --method kd ...` (docs/ARCHITECTURE.md §4.3).
import { cliMain } from './cliMain';

cliMain(process.argv.slice(2)).then((code) => process.exit(code));
