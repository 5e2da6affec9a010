// The list of `formula-lens` subcommands, in the order `--help` shows them.
import type { CliCommand } from '../command';
import { datasetCommand } from './dataset';
import { formulasCommand } from './formulas';
import { embedCommand } from './embed';
import { indexLibraryCommand } from './index-library';

export const commands: CliCommand[] = [datasetCommand, embedCommand, formulasCommand, indexLibraryCommand];
