// The list of `formula-lens` subcommands, in the order `--help` shows them.
import type { CliCommand } from '../command';
import { searchCommand } from './search';
import { exportCommand } from './export';
import { infoCommand } from './info';
import { datasetCommand } from './dataset';
import { formulasCommand } from './formulas';
import { embedCommand } from './embed';
import { indexLibraryCommand } from './index-library';
import { trainCommand } from './train';
import { signaturesCommand } from './signatures';
import { variantsCommand } from './variants';
import { structurePairsCommand } from './structure-pairs';
import { databaseInitCommand } from './database-init';

export const commands: CliCommand[] = [searchCommand, datasetCommand, embedCommand, formulasCommand, indexLibraryCommand, trainCommand, exportCommand, infoCommand, variantsCommand, structurePairsCommand, signaturesCommand, databaseInitCommand];
