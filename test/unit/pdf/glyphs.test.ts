// Glyph text as Unicode math where TeX's font encodings hide it, and which fonts and characters are math.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glyphText, isMathChar, isMathFont } from '../../../src/core/pdf/glyphs';

const ascii = (text: string) => [text, text.charCodeAt(0)] as const;

test('CMEX slots read as ASCII become the operators and delimiters they are; extensible pieces have no text', () => {
  assert.equal(glyphText('ABCDEF+CMEX10', ...ascii('P')), '∑');
  assert.equal(glyphText('ABCDEF+CMEX10', ...ascii('X')), '∑');
  assert.equal(glyphText('LMMathExtension10-Regular', ...ascii('Z')), '∫');
  assert.equal(glyphText('CMEX10', 'p', 0x70), '√');
  assert.equal(glyphText('CMEX10', '0', 0x30), '');
});

test('blackboard (MSBM) and calligraphic (CMSY) capitals become math alphanumerics, letterlike holes included', () => {
  assert.equal(glyphText('XYZABC+MSBM10', ...ascii('R')), 'ℝ');
  assert.equal(glyphText('MSBM10', ...ascii('E')), '𝔼');
  assert.equal(glyphText('CMSY10', ...ascii('N')), '𝒩');
  assert.equal(glyphText('CMSY10', ...ascii('L')), 'ℒ');
});

test('a ToUnicode mapping wins over the font layout', () => {
  assert.equal(glyphText('CMEX10', '∑', 0x50), '∑');
  assert.equal(glyphText('MSBM10', 'ℝ', 0x52), 'ℝ');
  assert.equal(glyphText('CMR10', 'P', 0x50), 'P');
});

test('math fonts by name, subset prefix or not; text fonts are not', () => {
  for (const font of ['ABCDEF+CMMI10', 'CMSY7', 'MSAM10', 'STIXTwoMath-Regular', 'CambriaMath', 'LatinModernMath-Regular', 'NewTXMI', 'EUFM10']) {
    assert.ok(isMathFont(font), font);
  }
  for (const font of ['ABCDEF+CMR10', 'CMBX12', 'Times-Roman', 'NimbusRomNo9L-Regu', 'LMRoman10-Regular']) assert.ok(!isMathFont(font), font);
  assert.ok(isMathChar('∑') && isMathChar('θ') && isMathChar('=') && isMathChar('𝑥'));
  assert.ok(!isMathChar('a') && !isMathChar('1') && !isMathChar(','));
});
