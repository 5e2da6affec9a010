// Child process of kill9.test.ts: updates an index in a loop, printing each committed step, until killed.
// Step i adds paper p<i> and removes p<i-3>, so after step i the index holds exactly p<i-2>..p<i>.
import { FormulaIndex } from '../../../src/core/index/store';
import { crashTestOptions, crashTestPaper } from './crash-fixture';

const opened = FormulaIndex.open(process.argv[2], crashTestOptions);
if (!opened.ok) throw new Error(opened.reason.message);
for (let step = 1; ; step++) {
  const result = opened.value.index.update({ add: [crashTestPaper(step)], remove: step > 3 ? [`p${step - 3}`] : [] });
  if (!result.ok) throw new Error(result.reason.message);
  process.stdout.write(`committed ${step}\n`);
}
