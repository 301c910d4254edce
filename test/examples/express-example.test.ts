import { fileURLToPath } from 'node:url';
import { describeExampleSite } from './example-contract.js';

describeExampleSite('Express', fileURLToPath(new URL('../../examples/express/server.js', import.meta.url)));
