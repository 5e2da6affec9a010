// "Insert \cite" (the command the cite.command setting names) and "Copy BibTeX": the key comes from
// the user's .bib files (the engine matches the paper against them); a paper without an entry gets
// one built from its metadata, added to the document's .bib only after the user agrees, under a key
// no .bib file uses.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { citationRequest, type CitationResult, type PaperMeta } from '../engine/protocol';
import { namedBibFiles } from './bib-files';
import { citationText } from './cite-command';
import type { Config } from './config';
import type { EngineClient } from './engine-client';

/** Most workspace .bib files read per lookup (a monorepo of papers should not stall a click). */
const maxWorkspaceBibFiles = 50;

export class BibtexActions {
  constructor(
    private readonly engine: EngineClient,
    private readonly config: Config,
  ) {}

  /** Inserts a citation of `paper` at the cursor of `editor`. Returns the key, or undefined when none was inserted. */
  async insertCite(paper: PaperMeta, editor: vscode.TextEditor): Promise<string | undefined> {
    const { document } = editor;
    const documentBibs = await this.existing(namedBibFiles(document.getText(), document.languageId, path.dirname(document.uri.fsPath)));
    const citation = await this.citation(paper, documentBibs);
    let key = citation.key;
    if (citation.kind === 'missing') {
      const added = await this.offerEntry(paper, citation, documentBibs);
      if (!added) return undefined;
      key = added;
    }
    const text = citationText(key, document.languageId, this.config.citeCommand(document.uri));
    const target = await visibleEditor(editor);
    await target.edit((edit) => {
      for (const selection of target.selections) edit.replace(selection, text);
    });
    return key;
  }

  /** Copies the paper's BibTeX: the user's own entry when there is one, else one built from its metadata. */
  async copyBibtex(paper: PaperMeta, document: vscode.TextDocument | undefined): Promise<void> {
    const documentBibs = document
      ? await this.existing(namedBibFiles(document.getText(), document.languageId, path.dirname(document.uri.fsPath)))
      : [];
    const citation = await this.citation(paper, documentBibs);
    await vscode.env.clipboard.writeText(citation.entry);
    vscode.window.setStatusBarMessage(`Formula Lens: copied the BibTeX entry ${citation.key}`, 4000);
  }

  private async citation(paper: PaperMeta, documentBibs: vscode.Uri[]): Promise<CitationResult> {
    const workspaceBibs = await vscode.workspace.findFiles('**/*.bib', '**/node_modules/**', maxWorkspaceBibFiles);
    const uris = uniqueUris([...documentBibs, ...workspaceBibs]);
    const bibFiles = await Promise.all(uris.map(async (uri) => ({ path: uri.fsPath, text: await readText(uri) })));
    const connection = await this.engine.connect();
    return connection.sendRequest(citationRequest, { paper, bibFiles });
  }

  /** Asks to add the built entry to the document's .bib; returns the key once it is written. */
  private async offerEntry(paper: PaperMeta, citation: CitationResult, documentBibs: vscode.Uri[]): Promise<string | undefined> {
    const bib = documentBibs[0];
    if (!bib) {
      void vscode.window.showWarningMessage(
        `Formula Lens: "${paper.title || paper.id}" is not in your .bib files, and this document names no .bib file (\\bibliography or \\addbibresource) to add it to. Use "Copy BibTeX" instead.`,
      );
      return undefined;
    }
    const add = `Add to ${path.basename(bib.fsPath)}`;
    const choice = await vscode.window.showInformationMessage(
      `"${paper.title || paper.id}" is not in your .bib files. Add a BibTeX entry for it as ${citation.key}?`,
      add,
    );
    if (choice !== add) return undefined;
    // The .bib may have changed while the user decided: look again, so an existing key is never overwritten.
    const fresh = await this.citation(paper, documentBibs);
    if (fresh.kind === 'found') return fresh.key;
    const document = await vscode.workspace.openTextDocument(bib);
    const end = document.lineAt(document.lineCount - 1).range.end;
    const separator = document.getText().length === 0 ? '' : document.getText().endsWith('\n') ? '\n' : '\n\n';
    const edit = new vscode.WorkspaceEdit();
    edit.insert(bib, end, separator + fresh.entry);
    if (!(await vscode.workspace.applyEdit(edit)) || !(await document.save())) {
      void vscode.window.showErrorMessage(`Formula Lens: could not write the entry to ${bib.fsPath}.`);
      return undefined;
    }
    return fresh.key;
  }

  private async existing(files: string[]): Promise<vscode.Uri[]> {
    const checked = await Promise.all(
      files.map(async (file) => {
        const uri = vscode.Uri.file(file);
        return (await vscode.workspace.fs.stat(uri).then(() => true, () => false)) ? uri : undefined;
      }),
    );
    return checked.filter((uri): uri is vscode.Uri => uri !== undefined);
  }
}

/** An open document's text (unsaved edits included), else the file's. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

function uniqueUris(uris: vscode.Uri[]): vscode.Uri[] {
  const seen = new Set<string>();
  return uris.filter((uri) => !seen.has(uri.toString()) && seen.add(uri.toString()));
}

/** `editor` if it is still on screen, else its document shown again (clicking the view may have hidden it). */
async function visibleEditor(editor: vscode.TextEditor): Promise<vscode.TextEditor> {
  const visible = vscode.window.visibleTextEditors.find((candidate) => candidate.document === editor.document);
  return visible ?? vscode.window.showTextDocument(editor.document, { selection: editor.selection });
}
