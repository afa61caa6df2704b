// Browser side of test/plots/jupyterlab.test.ts (bundled there by esbuild,
// run in headless Chromium): renders ONE notebook output the way a
// JupyterLab 4 output area does, with JupyterLab's own packages: an
// OutputArea over an OutputAreaModel (trusted or not), a RenderMimeRegistry
// with the standard renderer factories and @jupyterlab/apputils' Sanitizer
// (what the notebook uses when no extension adds renderers).
//
// `plotly: true` adds a stand-in for Plotly's JupyterLab renderer (the
// mimeExtension in conda-forge `plotly`, not published on npm for
// JupyterLab 4): a factory with its declared properties (MIME type
// application/vnd.plotly.v1+json, safe: true, rank 2) that draws the spec
// with Plotly.react. The real one shows the bundle's image/png first and
// draws on mouse-enter; drawing at once checks the same spec.
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { RenderMimeRegistry, standardRendererFactories } from '@jupyterlab/rendermime';
import { Sanitizer } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

class PlotlyStandIn extends Widget {
  constructor(options) {
    super();
    this.mimeType = options.mimeType;
    this.node.dataset.mimeType = options.mimeType;
  }
  async renderModel(model) {
    const spec = JSON.parse(JSON.stringify(model.data[this.mimeType]));
    await window.Plotly.react(this.node, spec.data, spec.layout, spec.config || {});
  }
}

function registry(plotly) {
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories, sanitizer: new Sanitizer() });
  if (plotly) rendermime.addFactory({ safe: true, mimeTypes: [PLOTLY_MIME], createRenderer: (o) => new PlotlyStandIn(o) }, 2);
  return rendermime;
}

function settled(host) {
  const imgs = Array.from(host.querySelectorAll('img'));
  if (imgs.some((i) => !i.complete)) return false;
  const plot = host.querySelector(`[data-mime-type="${PLOTLY_MIME}"]`);
  return !plot || plot.querySelector('.main-svg') !== null;
}

let current = null;

/** Renders `output` alone in the page (replacing the last one); resolves with what was rendered and where. */
window.renderOutput = async function ({ output, trusted, plotly }) {
  if (current) current.dispose();
  document.body.innerHTML = '';
  const host = document.createElement('div');
  host.style.cssText = 'display:inline-block;padding:4px;background:#fff';
  document.body.appendChild(host);
  const area = (current = new OutputArea({ model: new OutputAreaModel({ values: [output], trusted }), rendermime: registry(plotly) }));
  Widget.attach(area, host);
  const t0 = Date.now();
  while (!settled(host) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const rendered = host.querySelector('[data-mime-type]');
  const graph = host.querySelector(`[data-mime-type="${PLOTLY_MIME}"]`);
  const r = host.getBoundingClientRect();
  const result = {
    mime: rendered ? rendered.getAttribute('data-mime-type') : null,
    html: rendered ? rendered.innerHTML.slice(0, 300) : '',
    plotlyTraces: graph && graph._fullData ? graph._fullData.length : null,
    mainSvgs: graph ? graph.querySelectorAll('.main-svg').length : 0,
    rect: { x: Math.floor(r.left), y: Math.floor(r.top), width: Math.ceil(r.width), height: Math.ceil(r.height) },
  };
  return result;
};
