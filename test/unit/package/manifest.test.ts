// The package.json rules a user meets: settings scoped and safe in Restricted Mode, a binding that
// leaves VS Code's own alone, the marketplace metadata and files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { citationText } from '../../../src/extension/cite-command';
import { repoRoot } from '../../helpers/paths';

interface Setting {
  scope?: string;
  default?: unknown;
  pattern?: string;
  examples?: string[];
}

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const settings: Record<string, Setting> = manifest.contributes.configuration.properties;

test('every setting declares its scope; paths to files and folders may differ per machine', () => {
  for (const [name, setting] of Object.entries(settings)) {
    assert.ok(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(setting.scope ?? ''), name);
    if (/(Path|\.paths|\.locations)$/.test(name)) assert.equal(setting.scope, 'machine-overridable', name);
  }
});

test('in Restricted Mode the workspace chooses no file or folder the engine loads', () => {
  const { untrustedWorkspaces } = manifest.capabilities;
  assert.equal(untrustedWorkspaces.supported, 'limited');
  const restricted: string[] = untrustedWorkspaces.restrictedConfigurations;
  const pathSettings = Object.keys(settings).filter((name) => /(Path|\.paths|\.locations)$/.test(name));
  assert.deepEqual([...restricted].sort(), pathSettings.sort());
  assert.ok(pathSettings.includes('formulaLens.customModelPath') && pathSettings.includes('formulaLens.symbolicModelPath'));
});

/** VS Code 1.100's default bindings that act in a text editor, per OS (read from its workbench's keybinding rules). */
const editorDefaults: Record<'mac' | 'linux' | 'win', string[]> = {
  mac: ['cmd+f', 'cmd+alt+f', 'cmd+shift+f', 'shift+alt+f'], // Find, Replace, Find in Files, Format Document
  linux: ['ctrl+f', 'ctrl+h', 'ctrl+shift+f', 'ctrl+shift+i'], // Find, Replace, Find in Files, Format Document
  win: ['ctrl+f', 'ctrl+h', 'ctrl+shift+f', 'shift+alt+f'],
};

const chord = (key: string) => key.toLowerCase().split('+').sort().join('+');

test("the keybindings take none of VS Code's default editor bindings", () => {
  for (const binding of manifest.contributes.keybindings) {
    for (const os of ['mac', 'linux', 'win'] as const) {
      const key: string = binding[os] ?? binding.key;
      assert.ok(!editorDefaults[os].map(chord).includes(chord(key)), `${binding.command} on ${os}: ${key}`);
    }
  }
});

test('the cite command setting accepts what Insert \\cite writes', () => {
  const setting = settings['formulaLens.cite.command']!;
  const pattern = new RegExp(setting.pattern!);
  for (const command of [setting.default as string, ...setting.examples!]) {
    assert.match(command, pattern);
    assert.equal(citationText('k', 'latex', command), `${command}{k}`);
  }
});

test('the marketplace metadata: categories, keywords, a 128×128 PNG icon, the MIT license', () => {
  assert.ok(manifest.categories.some((category: string) => category !== 'Other'));
  assert.ok(manifest.keywords.length > 0);
  const icon = readFileSync(path.join(repoRoot, manifest.icon));
  assert.equal(icon.toString('latin1', 1, 4), 'PNG');
  assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  assert.equal(manifest.license, 'MIT');
  assert.match(readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} Formula Lens contributors\n/);
  assert.match(readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${manifest.version.replaceAll('.', '\\.')}\\b`, 'm'));
});

test('sharp, which only scripts and benches use, is no runtime dependency', () => {
  const sources = readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  for (const file of sources) assert.doesNotMatch(readFileSync(path.join(repoRoot, 'src', file), 'utf8'), /from 'sharp'|\('sharp'\)/, file);
  assert.equal(manifest.dependencies.sharp, undefined);
});
