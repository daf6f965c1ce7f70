/**
 * The HTML report: a saved result (run or explain JSON) in, one self-contained page out.
 */
import { pageModel } from './model.js';
import { renderPage } from './page.js';

export { pageModel, ResultShapeError, type PageModel } from './model.js';
export { observedText } from './page.js';

/**
 * The self-contained HTML page of a result document.
 * @throws ResultShapeError when the document is not a mediapath result.
 */
export async function renderHtmlReport(result: unknown): Promise<string> {
  return renderPage(pageModel(result));
}
