/**
 * A self-contained HTML page for one figure: exportFigure's fallback when no
 * browser can render PNG/SVG (SPRINT_CHROMIUM=none, or a platform without
 * Chrome/Chromium and without the npm-shipped one). plotly.js (~4.8 MB) is
 * inlined so the page works offline, opened from disk. Notebook outputs never
 * carry HTML (see display.ts).
 */
import { plotlyScript } from './runtime';
import type { Figure } from './types';

/** JSON safe to put inside a <script>: no "</script>", no "<!--", no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** JavaScript source made safe to sit inside an HTML <script> element. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Plotly config used everywhere: no logo, not resized with the window. */
export const PLOTLY_CONFIG = { displaylogo: false, responsive: false };

/** The page: plotly.js, a div, and a script that draws `fig` into it. */
export function standaloneHtml(fig: Figure, title: string): string {
  const esc = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  const lib = plotlyScript();
  return (
    `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${esc}</title>\n` +
    `<script type="text/javascript">/* plotly.js ${lib.version} */\n${scriptSafe(lib.source)}\n</script>\n` +
    `</head>\n<body>\n<div id="figure"></div>\n` +
    `<script type="text/javascript">window.Plotly.newPlot(document.getElementById('figure'), ${scriptJson(fig.data)}, ${scriptJson(fig.layout)}, ${scriptJson(PLOTLY_CONFIG)});</script>\n` +
    `</body>\n</html>\n`
  );
}
