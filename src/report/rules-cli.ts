/**
 * Prints the rules reference as Markdown on stdout: `npm run rules` (writes docs/rules.md).
 */
import { rulesMarkdown } from './rule-book.js';

process.stdout.write(rulesMarkdown());
