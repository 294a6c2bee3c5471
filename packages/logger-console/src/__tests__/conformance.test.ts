import { checkLogger } from '@layerwise/testkit';
import { consoleLogger } from '../index.js';

const sink = { write: (_s: string) => true };

checkLogger(() => consoleLogger({ verbose: true, stream: sink }), { name: 'console (plain lines)' });
checkLogger(
  () => consoleLogger({ verbose: true, stream: { ...sink, isTTY: true, columns: 80 } as typeof sink }),
  {
    name: 'console (TTY progress bars)',
  },
);
