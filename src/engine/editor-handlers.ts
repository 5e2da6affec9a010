// The engine's requests for the editor (issue 7): the formula at the cursor, similar formulas,
// preparing the default index, building an index, citations.
import type { MessageConnection } from 'vscode-jsonrpc';
import { findOrBuildCitation } from './citation';
import { FormulaLocator } from './formula-at';
import {
  buildIndexRequest,
  citationRequest,
  databasePasswordsRequest,
  formulaAtRequest,
  indexProgressNotification,
  logNotification,
  prepareDefaultIndexRequest,
  searchRequest,
} from './protocol';
import { onCheckedRequest } from './params';
import { buildIndexParams, citationParams, databasePasswordsParams, formulaAtParams, prepareDefaultIndexParams, searchParams } from './request-params';
import { SearchService } from './search-service';

export function registerEditorHandlers(connection: MessageConnection): void {
  const log = (message: string) => void connection.sendNotification(logNotification, { level: 'info', message });
  const locator = new FormulaLocator(log);
  const search = new SearchService(log, (progress) => void connection.sendNotification(indexProgressNotification, progress));
  onCheckedRequest(connection, formulaAtRequest, formulaAtParams, (params, token) => locator.formulaAt(params, token));
  onCheckedRequest(connection, searchRequest, searchParams, (params, token) => search.search(params, token));
  onCheckedRequest(connection, prepareDefaultIndexRequest, prepareDefaultIndexParams, (params, token) => search.prepareDefaultIndex(params, token));
  onCheckedRequest(connection, buildIndexRequest, buildIndexParams, (params, token) => search.build(params, token));
  onCheckedRequest(connection, databasePasswordsRequest, databasePasswordsParams, (params) => search.setDatabasePasswords(params));
  onCheckedRequest(connection, citationRequest, citationParams, (params) => findOrBuildCitation(params));
  connection.onDispose(() => void search.dispose());
}
