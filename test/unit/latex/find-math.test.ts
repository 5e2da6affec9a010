import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findMathAt } from '../../../src/core/latex';
import type { MarkupLanguage } from '../../../src/core/latex';

interface Case {
  open: string;
  close: string;
  env: string;
  display: boolean;
}

const body = 'x^2 + y_i';

const delimiters: Case[] = [
  { open: '$', close: '$', env: 'inline', display: false },
  { open: '$$', close: '$$', env: '$$', display: true },
  { open: '\\(', close: '\\)', env: 'inline', display: false },
  { open: '\\[', close: '\\]', env: '\\[', display: true },
];
const environments = ['equation', 'align', 'gather', 'multline', 'flalign', 'alignat', 'eqnarray', 'math', 'displaymath', 'dmath'];
const environmentCases: Case[] = environments.flatMap((name) =>
  [name, name + '*'].map((env) => ({ open: `\\begin{${env}}`, close: `\\end{${env}}`, env, display: name !== 'math' })),
);

/** Checks the region found at every interesting cursor position of `before + open + body + close + after`. */
function checkEdges({ open, close, env, display }: Case, language: MarkupLanguage = 'latex') {
  const before = 'Some text ';
  const doc = `${before}${open}${body}${close} and more.\n`;
  const start = before.length;
  const bodyStart = start + open.length;
  const bodyEnd = bodyStart + body.length;
  const end = bodyEnd + close.length;
  const positions = {
    'before the opening delimiter': start,
    'inside the opening delimiter': start + 1,
    'just inside (after the opener)': bodyStart,
    'middle': bodyStart + 4,
    'just before the closer': bodyEnd,
    'inside the closing delimiter': bodyEnd + 1,
    'just after the closer': end,
  };
  for (const [where, offset] of Object.entries(positions)) {
    const found = findMathAt(doc, offset, language);
    assert.ok(found, `${open}…${close}: cursor ${where} finds the formula`);
    assert.deepEqual(
      { start: found.start, end: found.end, bodyStart: found.bodyStart, bodyEnd: found.bodyEnd, env: found.env, display: found.display, latex: found.latex },
      { start, end, bodyStart, bodyEnd, env, display, latex: body },
      `${open}…${close}, cursor ${where}`,
    );
  }
  assert.equal(findMathAt(doc, start - 1, language), undefined, 'one character before the region is outside');
  assert.equal(findMathAt(doc, end + 1, language), undefined, 'one character after the region is outside');
}

describe('findMathAt: delimiters and environments', () => {
  for (const testCase of [...delimiters, ...environmentCases]) {
    test(`${testCase.open}…${testCase.close} at start, middle, end and delimiter edges`, () => checkEdges(testCase));
  }
  test('Markdown: $ and $$ at every edge', () => {
    checkEdges(delimiters[0]!, 'markdown');
    checkEdges(delimiters[1]!, 'markdown');
  });
  test('alignat{n} and dmath[options] keep their arguments out of the body', () => {
    const alignat = '\\begin{alignat}{2} a &= b &\\quad c &= d \\end{alignat}';
    assert.equal(findMathAt(alignat, 25, 'latex')?.latex, 'a &= b &\\quad c &= d');
    const dmath = '\\begin{dmath}[label=eq:x] a = b \\end{dmath}';
    assert.equal(findMathAt(dmath, 28, 'latex')?.latex, 'a = b');
  });
});

/** The formula at the first occurrence of `needle` in `doc`. */
const at = (doc: string, needle: string, language: MarkupLanguage = 'latex') => {
  const offset = doc.indexOf(needle);
  assert.ok(offset >= 0, `fixture holds ${needle}`);
  return findMathAt(doc, offset, language);
};

describe('findMathAt: what is not math', () => {
  test('escaped dollars are text, and do not pair with real ones', () => {
    const doc = 'It costs \\$5 and \\$10, while $a+b$ is math.';
    assert.equal(at(doc, '5 and'), undefined);
    assert.equal(at(doc, 'a+b')?.latex, 'a+b');
  });
  test('a comment hides math, but an escaped \\% does not start one', () => {
    const doc = 'Text % here $x$ is commented\nand $50\\% + y$ is math';
    assert.equal(at(doc, 'x$ is'), undefined);
    assert.equal(at(doc, '50')?.latex, '50\\% + y');
  });
  test('a % comment inside a formula does not end it, and its $ is ignored', () => {
    const doc = '\\begin{equation}\n a = b % note: $\n + c\n\\end{equation}';
    assert.equal(at(doc, '+ c')?.latex, 'a = b\n+ c');
  });
  test('verbatim, lstlisting, minted and comment environments hold no math', () => {
    for (const env of ['verbatim', 'verbatim*', 'lstlisting', 'minted', 'comment', 'Verbatim']) {
      const doc = `Before $a$.\n\\begin{${env}}\n echo $HOME and $PATH\n\\end{${env}}\nAfter $b$.`;
      assert.equal(at(doc, 'HOME'), undefined, env);
      assert.equal(at(doc, 'b$')?.latex, 'b', `math after ${env}`);
    }
  });
  test('a \\begin{verbatim} in a comment above the paragraph does not hide its math', () => {
    const doc = '% \\begin{verbatim} is how code is shown\n\nThen $x + y$ is math.';
    assert.equal(at(doc, 'x + y')?.latex, 'x + y');
  });
  test('\\verb and \\lstinline hide their delimiters', () => {
    const doc = 'Use \\verb|$x$| or \\lstinline{$y$}, then $z$.';
    assert.equal(at(doc, 'x$|'), undefined);
    assert.equal(at(doc, 'y$}'), undefined);
    assert.equal(at(doc, 'z$')?.latex, 'z');
  });
  test('a cursor deep inside a long verbatim block is not in math', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} costs $${i} and $${i + 1}`);
    const doc = `Intro $q$.\n\\begin{verbatim}\n${lines.join('\n\n')}\n\\end{verbatim}\n`;
    assert.equal(at(doc, 'line 250 costs'), undefined);
  });
  test('Markdown code spans and fences hold no math', () => {
    const doc = [
      'Inline `$x$` code and $y$ math.',
      '',
      '```bash',
      'echo $HOME',
      '',
      'echo $PATH $x$',
      '```',
      '',
      'After the fence $z$.',
      '~~~',
      '$w$',
      '~~~',
    ].join('\n');
    assert.equal(at(doc, 'x$` code', 'markdown'), undefined);
    assert.equal(at(doc, 'y$ math', 'markdown')?.latex, 'y');
    assert.equal(at(doc, 'HOME', 'markdown'), undefined);
    assert.equal(at(doc, 'x$\n```', 'markdown'), undefined, 'a cursor after a blank line inside the fence');
    assert.equal(at(doc, 'z$', 'markdown')?.latex, 'z');
    assert.equal(at(doc, 'w$', 'markdown'), undefined);
  });
  test('Markdown: a fence opened far above with bare fences in between', () => {
    const blocks = ['```python', 'a = 1', '```', '', 'Text $t$.', '', '```', 'plain', '```', '', '```js', 'let s = "$a$";', '', 'let u = "$b$";', '```'];
    const doc = [...blocks, '', 'End $e$.'].join('\n');
    assert.equal(at(doc, 'b$', 'markdown'), undefined);
    assert.equal(at(doc, 't$', 'markdown')?.latex, 't');
    assert.equal(at(doc, 'e$', 'markdown')?.latex, 'e');
  });
  test('Markdown: a $ followed by a space is a price, and % is text', () => {
    const doc = 'Pay $ 5 now. Rate 5% and $a % b$.';
    assert.equal(at(doc, '5 now', 'markdown'), undefined);
    assert.equal(at(doc, 'a % b', 'markdown')?.body, 'a % b', 'the % does not hide the closing $');
  });
  test('a cursor between two formulas is in neither', () => {
    const doc = '$a$ and then $b$';
    assert.equal(at(doc, 'and'), undefined);
  });
});

describe('findMathAt: unclosed math and nesting', () => {
  test('an unclosed $ gives no formula rather than the rest of the paragraph', () => {
    const doc = 'We have $x + y and more text\n\nNext paragraph $z$.';
    assert.equal(at(doc, 'more text'), undefined);
    assert.equal(at(doc, 'z$')?.latex, 'z');
  });
  test('an unclosed environment gives no formula, not half a document', () => {
    const doc = '\\begin{equation}\n a = b\n\nText.\n\\begin{equation}\n c = d\n\\end{equation}\n';
    assert.equal(at(doc, 'a = b'), undefined);
    assert.equal(at(doc, 'Text'), undefined);
    assert.equal(at(doc, 'c = d')?.latex, 'c = d');
  });
  test('inner environments belong to the outer formula', () => {
    const doc = [
      '\\begin{subequations}',
      '\\begin{align}',
      '  f(x) &= \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases} \\\\',
      '  \\begin{split} g &= h \\\\ &= k \\end{split} \\\\',
      '  M &= \\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}',
      '\\end{align}',
      '\\end{subequations}',
    ].join('\n');
    for (const needle of ['cases} 1', 'split} g', 'pmatrix} a', 'f(x)']) {
      const found = at(doc, needle);
      assert.equal(found?.env, 'align', needle);
      assert.ok(found?.latex.startsWith('f(x) &= \\begin{cases}') && found.latex.endsWith('\\end{pmatrix}'), needle);
    }
    const nested = at('\\[ a \\begin{aligned} b \\\\ c \\end{aligned} \\]', 'c');
    assert.equal(nested?.latex, 'a \\begin{aligned} b \\\\ c \\end{aligned}');
  });
  test('$ inside \\text{} within inline math does not close it', () => {
    assert.equal(at('So $a \\text{ if $b > 0$ } c$ here.', 'c$')?.latex, 'a \\text{ if $b > 0$ } c');
  });
  test('shorthands: \\be … \\ee by default, the document\'s own when given', () => {
    assert.equal(at('\\be\n E = mc^2 \\label{e}\n\\ee', 'mc')?.env, 'equation');
    const own = { commands: new Map([['bq', { env: 'align', opens: true }], ['eq', { env: 'align', opens: false }]]), environments: new Map() };
    const doc = '\\bq a &= b \\eq';
    assert.equal(findMathAt(doc, 5, 'latex', { shorthands: own })?.latex, 'a &= b');
  });
  test('Windows line endings: regions, blank lines and normalised bodies work the same', () => {
    const doc = 'Text $a + b$.\r\n\\begin{align}\r\n  x &= 1, \\\\\r\n  y &= 2.\r\n\\end{align}\r\n\r\nOpen $c\r\n\r\n$d$';
    assert.equal(at(doc, 'a + b')?.latex, 'a + b');
    assert.equal(at(doc, 'y &=')?.latex, 'x &= 1, \\\\\ny &= 2');
    assert.equal(at(doc, 'c\r'), undefined, 'an unclosed $ stops at a CRLF blank line');
    assert.equal(at(doc, 'd$')?.latex, 'd');
  });
  test('the cursor finds its formula at the end of a long document', () => {
    const paragraph = 'Text with $a_i$ and \\begin{equation} x = y \\end{equation} more.\n';
    const doc = paragraph.repeat(5000) + 'Last $\\omega$.';
    assert.equal(findMathAt(doc, doc.length - 3, 'latex')?.latex, '\\omega');
    assert.equal(at(doc, 'x = y')?.env, 'equation');
  });
});
