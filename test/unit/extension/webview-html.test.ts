import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, createNonce, webviewHtml } from '../../../src/extension/webview-html';

test('the view allows only its own nonce-tagged script and the extension’s styles and fonts', () => {
  const nonce = createNonce();
  assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(createNonce(), nonce);
  const csp = contentSecurityPolicy('https://ext.vscode-cdn.net', nonce);
  assert.equal(
    csp,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src https://ext.vscode-cdn.net; style-src-attr 'unsafe-inline'; font-src https://ext.vscode-cdn.net; img-src https://ext.vscode-cdn.net data:`,
  );
  assert.deepEqual(csp.match(/[a-z-]+ [^;]*unsafe[^;]*/g), ["style-src-attr 'unsafe-inline'"], 'only style attributes (KaTeX layout) are inline');
  const html = webviewHtml({ cspSource: 'https://ext.vscode-cdn.net', scriptUri: 'https://e/out/webview.js', styleUris: ['https://e/a.css?"x'] }, nonce);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://e/out/webview.js"></script>`));
  assert.ok(html.includes('<link rel="stylesheet" href="https://e/a.css?&quot;x">'));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`content="default-src &#39;none&#39;; script-src &#39;nonce-${nonce}&#39;;`));
});
