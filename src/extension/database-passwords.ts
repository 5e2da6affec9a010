// Passwords of shared indexes (`postgres://` locations of formulaLens.index.locations) in VS Code's SecretStorage,
// never in settings.json: set with "Formula Lens: Set Database Password", handed to every engine that starts (and
// again when they change), which keeps them in memory. They are read into memory here once, so an engine gets them
// before its first search request.
import * as vscode from 'vscode';
import { databasePasswordsRequest } from '../engine/protocol';
import { isPostgresLocation } from '../core/index/postgres/location';
import type { EngineClient } from './engine-client';

const secretKey = (location: string) => `formulaLens.databasePassword:${location}`;

export class DatabasePasswords implements vscode.Disposable {
  private known = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly locations: () => string[],
    private readonly engine: EngineClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      engine.onDidChangeState((state) => state === 'running' && this.send()),
      secrets.onDidChange(() => void this.load()),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('formulaLens.index.locations') && void this.load()),
    );
    void this.load();
  }

  /** The shared indexes among the searched locations. */
  get sharedLocations(): string[] {
    return this.locations().filter(isPostgresLocation);
  }

  /** Stores a location's password, or forgets it (`undefined`); the engine gets the new set. */
  async set(location: string, password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(secretKey(location), password);
    else await this.secrets.delete(secretKey(location));
    await this.load();
  }

  private async load(): Promise<void> {
    const found = new Map<string, string>();
    for (const location of this.sharedLocations) {
      const password = await this.secrets.get(secretKey(location));
      if (password) found.set(location, password);
    }
    this.known = found;
    this.send();
  }

  private send(): void {
    if (this.engine.state !== 'running') return; // sent when it starts
    const passwords = [...this.known].map(([location, password]) => ({ location, password }));
    void this.engine
      .connect()
      .then((connection) => connection.sendRequest(databasePasswordsRequest, { passwords }))
      .catch((error: unknown) => this.log.warn(`the database passwords could not be handed to the engine: ${(error as Error).message}`));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
