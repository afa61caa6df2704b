/**
 * HTML for a figure: a div plus a script that draws it with plotly.js.
 *
 * Plain JupyterLab (no plotly extension) renders `text/html` outputs and runs
 * their scripts when the output is trusted (produced in this session, or the
 * notebook is trusted). plotly.js itself is inlined ONCE per kernel: the
 * first figure's HTML carries the library (~4.8 MB minified), guarded by
 * `if (!window.Plotly)` so it never redefines it; later figures only call
 * `window.Plotly`, and if the library is not there yet (outputs rendered out
 * of order) they queue themselves until it loads.
 *
 * Trade-off: the notebook file grows by the library size once, not once per
 * figure, and works offline (no CDN). But the later figures depend on the
 * first one's output: clear that output (or open the notebook untrusted) and
 * the interactive versions do not draw; the `image/png` of each output still
 * shows wherever HTML is not rendered.
 *
 * Everything here is deterministic: ids come from a per-kernel counter and a
 * hash of the spec, and the spec JSON is stable.
 */
import { plotlyScript } from './runtime';
import type { Figure } from './types';

/** Global name of the queue later figures wait in until plotly.js is loaded. */
const QUEUE = '__sprintGanPlotsQueue';

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

/**
 * A <script> that defines window.Plotly from the inlined library unless it is
 * already defined, then draws every figure that was waiting for it.
 */
export function plotlyLibraryScript(): string {
  const lib = plotlyScript();
  return (
    `<script type="text/javascript">/* plotly.js ${lib.version}, included once per notebook by sprint-gan-ts lib/plots */\n` +
    `if (!window.Plotly) { (function () {\n${scriptSafe(lib.source)}\n}).call(window); }\n` +
    `(function () { var q = window.${QUEUE} || []; window.${QUEUE} = []; for (var i = 0; i < q.length; i++) q[i](); })();\n` +
    `</script>`
  );
}

export interface FigureHtmlOptions {
  /** The div id (must be unique in the page). */
  id: string;
  /** Prepend the plotly.js library script (first figure of a notebook). */
  includePlotly: boolean;
}

/** Plotly config used everywhere: no logo, PNG download button at the figure's size. */
export const PLOTLY_CONFIG = { displaylogo: false, responsive: false };

/** The HTML fragment: [library script] + div + draw script. */
export function figureHtml(fig: Figure, options: FigureHtmlOptions): string {
  const w = typeof fig.layout.width === 'number' ? fig.layout.width : undefined;
  const h = typeof fig.layout.height === 'number' ? fig.layout.height : undefined;
  const size = `${w ? `width:${w}px;` : ''}${h ? `height:${h}px;` : ''}`;
  const draw =
    `<script type="text/javascript">(function () {\n` +
    `var fig = ${scriptJson(fig)};\n` +
    `var config = ${scriptJson(PLOTLY_CONFIG)};\n` +
    `function draw() { var el = document.getElementById(${scriptJson(options.id)}); if (!el) return; el.textContent = ''; window.Plotly.newPlot(el, fig.data, fig.layout, config); }\n` +
    `if (window.Plotly) { draw(); } else { var el = document.getElementById(${scriptJson(options.id)}); ` +
    `if (el) el.textContent = 'Waiting for plotly.js: it is included in the first figure output of this notebook (re-run that cell if it was cleared).'; ` +
    `(window.${QUEUE} = window.${QUEUE} || []).push(draw); }\n` +
    `})();</script>`;
  return (
    (options.includePlotly ? plotlyLibraryScript() + '\n' : '') +
    `<div id="${options.id}" class="sprint-gan-plot" style="${size}"></div>\n` +
    draw
  );
}

/** A self-contained HTML page for one figure (plotly.js inlined): the no-browser export. */
export function standaloneHtml(fig: Figure, title: string): string {
  const esc = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  return (
    `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>${esc}</title>\n</head>\n<body>\n` +
    figureHtml(fig, { id: 'figure', includePlotly: true }) +
    `\n</body>\n</html>\n`
  );
}
