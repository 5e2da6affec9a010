// The list of `formula-lens` subcommands, in the order `--help` shows them.
import type { CliCommand } from '../command';
import { datasetCommand } from './dataset';
import { formulasCommand } from './formulas';
import { embedCommand } from './embed';

export const commands: CliCommand[] = [datasetCommand, embedCommand, formulasCommand];
