// The settings the extension writes, and with what: pure (no vscode), so the decisions are unit-tested;
// Config.write is the one place that applies them.
import type { TrainChoice } from './train-report';

/** Settings the extension writes, relative to the `formulaLens` section. */
export type WrittenSetting = 'library.paths' | 'index.locations' | 'model' | 'customModelPath' | 'symbolicModelPath';

export interface SettingWrite {
  setting: WrittenSetting;
  value: unknown;
}

/** The library folders the user picked for Build Index. */
export function libraryPathsWrite(folders: string[]): SettingWrite[] {
  return [{ setting: 'library.paths', value: folders }];
}

/** Adds an index folder to the searched locations; nothing when it is there already. */
export function indexLocationWrite(locations: readonly string[], indexDir: string): SettingWrite[] {
  return locations.includes(indexDir) ? [] : [{ setting: 'index.locations', value: [...locations, indexDir] }];
}

/** Switches to the models Train Model on Library made, as the user chose; the SEE's path before its kind,
 * so that `model: custom` never names a missing file. */
export function trainedModelWrites(choice: TrainChoice | undefined, see: string, symbolic: string | undefined): SettingWrite[] {
  return [
    ...(choice?.symbolic && symbolic ? [{ setting: 'symbolicModelPath' as const, value: symbolic }] : []),
    ...(choice?.see ? [{ setting: 'customModelPath' as const, value: see }, { setting: 'model' as const, value: 'custom' }] : []),
  ];
}
