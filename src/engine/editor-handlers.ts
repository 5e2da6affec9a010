// The engine's requests for the editor (issue 7): the formula at the cursor, similar formulas, citations.
import type { MessageConnection } from 'vscode-jsonrpc';
import { findOrBuildCitation } from './citation';
import { citationRequest, searchRequest, type SearchResult } from './protocol';

export function registerEditorHandlers(connection: MessageConnection): void {
  connection.onRequest(citationRequest, (params) => findOrBuildCitation(params));
  connection.onRequest(searchRequest, (): SearchResult => ({
    kind: 'noIndex',
    reason: 'This engine cannot search an index yet.',
  }));
}
