// Prints the test files given as arguments in the order test/run-all.sh hands them to the
// runner's two lanes (testkit/lane.ts), one a line.
import { orderForLanes } from './lane';

for (const file of orderForLanes(process.argv.slice(2))) process.stdout.write(`${file}\n`);
