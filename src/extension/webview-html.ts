// The results webview's HTML shell with its Content Security Policy (vscode-extension-samples'
// webview-view-sample): nothing loads unless allowed; scripts only with this page's nonce; styles,
// fonts and images only from the extension's own files. vscode-free, so the unit tests check it.
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../webview/escape';

export interface WebviewResources {
  /** `webview.cspSource`: the origin the webview serves the extension's local resources from. */
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
}

export function createNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    // KaTeX positions glyphs with style attributes (heights, vertical-align); attributes cannot run
    // script, and <style> elements and stylesheets stay limited to the extension's own files.
    "style-src-attr 'unsafe-inline'",
    `font-src ${cspSource}`,
    // PDF formulas are shown as their crops, PNGs inlined by the engine (view-model.ts checks they are base64).
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function webviewHtml({ cspSource, scriptUri, styleUris }: WebviewResources, nonce = createNonce()): string {
  const styles = styleUris.map((uri) => `<link rel="stylesheet" href="${escapeHtml(uri)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>Formula Lens</title>
  </head>
  <body>
    <main id="root" aria-live="polite"></main>
    <script nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>
  </body>
</html>`;
}
