// A shared index on PostgreSQL in the real extension host: its password, kept in VS Code's secret storage (what
// Formula Lens: Set Database Password stores), reaches the engine, also a restarted one, which searches the database
// with it; without it the answer says how to give one. The server asks the member's role for its password.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PostgresIndexRun } from '../../src/core/index/postgres/catalogue';
import { connectPostgres } from '../../src/core/index/postgres/connect';
import { searchRequest, type SearchResult } from '../../src/engine/protocol';
import type { FormulaLensApi } from '../../src/extension/main';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { activateByOpeningPaper, waitFor } from './helpers';

const global = vscode.ConfigurationTarget.Global;
const settings = () => vscode.workspace.getConfiguration('formulaLens');
const formula = 'e^{i\\pi} + 1 = 0';

describe('shared index on PostgreSQL', () => {
  let api: FormulaLensApi;
  let server: PostgresServer;
  let location: string;

  before(async function () {
    this.timeout(60_000);
    api = await activateByOpeningPaper();
    server = await startPostgres();
    server.psql('CREATE DATABASE lab');
    const owner = await connectPostgres(`postgres://${server.user}@${server.host}:${server.port}/lab`);
    assert.ok(owner.ok, owner.ok ? '' : owner.reason);
    const run = await PostgresIndexRun.begin(owner.value, 'lab');
    assert.ok(run.ok, run.ok ? '' : run.reason.message);
    assert.ok((await run.value.update({ add: [{ paper: { id: 'lab-paper', library: 'lab', title: 'A lab paper', authors: [] }, formulas: [{ latex: formula, inline: false }] }] })).ok);
    await run.value.commit();
    await owner.value.end();
    server.psql("CREATE ROLE member LOGIN PASSWORD 'member-secret'");
    server.psql('GRANT SELECT ON ALL TABLES IN SCHEMA public TO member', 'lab');
    server.requirePassword('member');
    location = `postgres://member@${server.host}:${server.port}/lab`;
    await settings().update('index.showDefault', false, global);
    await settings().update('index.locations', [location], global);
  });
  after(async () => {
    await api.ctx.databasePasswords.set(location, undefined);
    for (const key of ['index.showDefault', 'index.locations']) await settings().update(key, undefined, global);
    server?.stop();
  });

  const search = async (): Promise<SearchResult> =>
    // by method name: the RequestType of this bundle is not the extension's (vscode-jsonrpc tells them apart)
    (await api.ctx.engine.connect()).sendRequest<SearchResult>(searchRequest.method, { formula: { latex: formula, display: true }, k: 5, indexes: api.ctx.config.indexSelection() });
  const foundLabPaper = async () => {
    const result = await search();
    return result.kind === 'results' && result.papers.some(({ paper }) => paper.id === 'lab-paper') ? result : undefined;
  };

  it('searches with the password from the secret storage, also after the engine restarts; without it says how to give one', async function () {
    this.timeout(60_000);
    const without = await search();
    assert.equal(without.kind, 'noIndex');
    assert.match(without.kind === 'noIndex' ? without.reason : '', /asks for a password.*Set Database Password/);

    await api.ctx.databasePasswords.set(location, 'member-secret');
    assert.equal(await api.ctx.extensionContext.secrets.get(`formulaLens.databasePassword:${location}`), 'member-secret');
    await waitFor('a search of the shared index', 20_000, foundLabPaper);
    assert.doesNotMatch(JSON.stringify(settings()), /member-secret/);

    await vscode.commands.executeCommand('formulaLens.restartEngine');
    await waitFor('a search of the shared index by the new engine', 20_000, foundLabPaper);
  });
});
