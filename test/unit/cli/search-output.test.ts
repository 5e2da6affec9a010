// `formula-lens search` output for a formula read from a PDF: its page in the table's section column, and its crop
// as base64 in --json (not a byte-by-byte object).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable, jsonOutput } from '../../../src/cli/commands/search';
import type { SearchResponse } from '../../../src/core/search/search';

const response: SearchResponse = {
  papers: [
    {
      paper: { id: 'bib:descent', title: 'Gradient Descent', authors: [], year: '2020', library: 'main' },
      score: 0.7,
      formulas: [
        {
          formula: { id: 1, paperId: 'bib:descent', latex: 'p_{k} = 1', env: 'pdf', inline: false, pdf: { page: 3, number: '(4)', box: { left: 0, bottom: 0, right: 1, top: 1 }, crop: new Uint8Array([1, 2, 3]) } },
          score: 0.7,
        },
      ],
    },
  ],
  queryDegraded: false,
  queryIssues: [],
  timings: { embedMs: 0, searchMs: 0 },
};

test('a PDF formula shows its page in the table and its crop as base64 in JSON', () => {
  assert.match(formatTable(response, 160), /Gradient Descent \[bib:descent\] +p\. 3 \(4\) +p_\{k\} = 1/);
  const json = JSON.parse(jsonOutput(response)) as { papers: { formulas: { formula: { pdf: { crop: string; page: number } } }[] }[] };
  assert.deepEqual(json.papers[0]!.formulas[0]!.formula.pdf.crop, 'AQID');
  assert.equal(json.papers[0]!.formulas[0]!.formula.pdf.page, 3);
});
