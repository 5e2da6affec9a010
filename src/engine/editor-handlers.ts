// The engine's requests for the editor (issue 7): the formula at the cursor, similar formulas,
// building an index, citations.
import type { MessageConnection } from 'vscode-jsonrpc';
import { findOrBuildCitation } from './citation';
import { FormulaLocator } from './formula-at';
import {
  buildIndexRequest,
  citationRequest,
  formulaAtRequest,
  indexProgressNotification,
  logNotification,
  searchRequest,
} from './protocol';
import { SearchService } from './search-service';

export function registerEditorHandlers(connection: MessageConnection): void {
  const log = (message: string) => void connection.sendNotification(logNotification, { level: 'info', message });
  const locator = new FormulaLocator(log);
  const search = new SearchService(log, (progress) => void connection.sendNotification(indexProgressNotification, progress));
  connection.onRequest(formulaAtRequest, (params, token) => locator.formulaAt(params, token));
  connection.onRequest(searchRequest, (params, token) => search.search(params, token));
  connection.onRequest(buildIndexRequest, (params, token) => search.build(params, token));
  connection.onRequest(citationRequest, (params) => findOrBuildCitation(params));
  connection.onDispose(() => void search.dispose());
}
