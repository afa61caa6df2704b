/**
 * Minimal, local Plotly types: just what the figure builders of this project
 * produce. A {@link Figure} is plain JSON (no functions, no typed arrays), so it
 * can be written into a notebook as `application/vnd.plotly.v1+json` and drawn
 * by any plotly.js (4.x here) with `Plotly.newPlot(div, fig.data, fig.layout)`.
 *
 * We do not depend on `@types/plotly.js`: tslab compiles `lib/` with its own
 * TypeScript 5.0, and these few interfaces keep the notebooks' compile small.
 * Every interface is open (`[key: string]: unknown`) so callers may add any
 * Plotly attribute the builders do not set.
 */

/** One value on an axis: a number, a category name, or a gap. */
export type Datum = number | string | null;

export interface PlotFont {
  family?: string;
  size?: number;
  color?: string;
  [key: string]: unknown;
}

export interface PlotTitle {
  text: string;
  font?: PlotFont;
  x?: number;
  xanchor?: 'auto' | 'left' | 'center' | 'right';
  [key: string]: unknown;
}

export interface PlotMarker {
  color?: string | string[];
  symbol?: string;
  size?: number | number[];
  opacity?: number;
  line?: { color?: string; width?: number };
  [key: string]: unknown;
}

export interface PlotLine {
  color?: string;
  width?: number;
  dash?: 'solid' | 'dot' | 'dash' | 'longdash' | 'dashdot' | 'longdashdot';
  shape?: 'linear' | 'spline' | 'hv' | 'vh' | 'hvh' | 'vhv';
  [key: string]: unknown;
}

export interface PlotTrace {
  type: 'scatter' | 'heatmap' | 'bar' | 'box';
  name?: string;
  x?: Datum[];
  y?: Datum[];
  /** Heatmap values, row-major: z[row][column]. */
  z?: (number | null)[][];
  mode?: 'lines' | 'markers' | 'lines+markers' | 'text' | 'none';
  marker?: PlotMarker;
  line?: PlotLine;
  showlegend?: boolean;
  legendgroup?: string;
  hovertemplate?: string;
  xaxis?: string;
  yaxis?: string;
  [key: string]: unknown;
}

export interface PlotAxis {
  title?: PlotTitle;
  range?: [number, number];
  type?: 'linear' | 'log' | 'category' | 'date';
  dtick?: number;
  tickangle?: number;
  zeroline?: boolean;
  showgrid?: boolean;
  autorange?: boolean | 'reversed';
  domain?: [number, number];
  [key: string]: unknown;
}

/** A line, rectangle or circle drawn on the plot (e.g. the Nash line). */
export interface PlotShape {
  type: 'line' | 'rect' | 'circle';
  xref?: string;
  yref?: string;
  x0: Datum;
  x1: Datum;
  y0: Datum;
  y1: Datum;
  line?: PlotLine;
  [key: string]: unknown;
}

export interface PlotAnnotation {
  text: string;
  x?: Datum;
  y?: Datum;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  [key: string]: unknown;
}

export interface PlotLayout {
  title?: PlotTitle;
  xaxis?: PlotAxis;
  yaxis?: PlotAxis;
  width?: number;
  height?: number;
  shapes?: PlotShape[];
  annotations?: PlotAnnotation[];
  showlegend?: boolean;
  legend?: { [key: string]: unknown };
  margin?: { l?: number; r?: number; t?: number; b?: number; pad?: number };
  font?: PlotFont;
  [key: string]: unknown;
}

/** A complete Plotly figure: `Plotly.newPlot(div, data, layout)`. */
export interface Figure {
  data: PlotTrace[];
  layout: PlotLayout;
}
