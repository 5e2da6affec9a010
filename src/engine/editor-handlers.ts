// The engine's requests for the editor (issue 7): the formula at the cursor, similar formulas, citations.
import type { MessageConnection } from 'vscode-jsonrpc';
import { findOrBuildCitation } from './citation';
import { FormulaLocator } from './formula-at';
import { citationRequest, formulaAtRequest, logNotification, searchRequest, type SearchResult } from './protocol';

export function registerEditorHandlers(connection: MessageConnection): void {
  const log = (message: string) => void connection.sendNotification(logNotification, { level: 'info', message });
  const locator = new FormulaLocator(log);
  connection.onRequest(formulaAtRequest, (params, token) => locator.formulaAt(params, token));
  connection.onRequest(searchRequest, (): SearchResult => ({ kind: 'noIndex', reason: 'This engine cannot search an index yet.' }));
  connection.onRequest(citationRequest, (params) => findOrBuildCitation(params));
}
