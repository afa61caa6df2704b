/**
 * lib/plots: plain Plotly figure specs with the paper's look, shown in
 * notebooks as one rich output and exported to figures/.
 *
 * Builders (pure: plain arrays in, `{ data, layout }` out):
 * - {@link figure2} (Figure 2A-D) with {@link medianSbpByVisit}; {@link trajectoryMedians}
 * - {@link lossCurves} (Figure 1D/1E, Nash line) with {@link lossHistoryFromRecords}
 * - {@link epochScores}, {@link epochRanks}
 * - {@link accuracyStrips} (Figure 3)
 * - {@link featureWeights} (Figure 4), {@link correlationHeatmap(s)} with {@link featureCorrelation}
 * - {@link deltaVsEpoch}, {@link epsilonVsEpochs}, {@link privacyUtilityCurve} (privacy)
 * - {@link privacyUtility} (a sweep's accuracy against ε, seeds as spread)
 * - paper glue: {@link figure2Epochs}, {@link sampleEpochs}, {@link poolCohorts},
 *   {@link accuracyGroupsFromTransfer}, {@link modelWeights}
 *
 * Output:
 * - `await show(fig)`: plotly JSON + PNG + text (no HTML: see display.ts)
 * - `await exportFigure(fig, 'Figure_2A')`: figures/Figure_2A.png and .svg (headless Chromium)
 * - `await closeBrowser()`: end the shared Chromium now (scripts; it also closes itself when idle)
 */
export type {
  Figure,
  PlotTrace,
  PlotLayout,
  PlotAxis,
  PlotMarker,
  PlotLine,
  PlotShape,
  PlotAnnotation,
  PlotTitle,
  PlotFont,
  Datum,
} from './types';
export { PlotError } from './errors';
export {
  PALETTE,
  SOURCE_COLORS,
  SOURCE_LABELS,
  ARM_LABELS,
  ARM_NAMES,
  SOURCES,
  MARKERS,
  SEQUENCE,
  FEATURE_NAMES,
  DEFAULT_WIDTH,
  DEFAULT_HEIGHT,
  baseLayout,
} from './style';
export type { Source, ArmName } from './style';
export { median, medianAgreement, medianByVisit, medianSbpByVisit } from './medians';
export type { CohortLike, ArmSeries, MedianAgreement } from './medians';
export { figure2, trajectoryMedians, FIGURE2_PANEL_TITLES, FIGURE2_Y_RANGE } from './trajectories';
export type { Figure2Input, Figure2Panel, Figure2Options, TrajectoryOptions } from './trajectories';
export { lossCurves, lossHistoryFromRecords, NASH_LOSS } from './losses';
export type { LossHistory, LossHistoryEntry, LossCurveOptions, GanEpochRecordLike } from './losses';
export { epochScores, epochRanks, rankDescending, methodLabel } from './epochs';
export type { EpochScore, EpochFigureOptions } from './epochs';
export { accuracyStrips } from './accuracy';
export type { AccuracyGroup, AccuracyStripOptions } from './accuracy';
export { featureWeights, featureCorrelation, correlationHeatmap, correlationHeatmaps, CORRELATION_COLORSCALE } from './features';
export type { FeatureWeightsInput, FeatureWeightsOptions, CorrelationHeatmapOptions } from './features';
export { deltaVsEpoch, epsilonVsEpochs, privacyUtilityCurve } from './privacy';
export type { DeltaSeries, DeltaVsEpochInput, EpsilonSeries, EpsilonVsEpochsInput, PrivacyFigureOptions, PrivacyUtilityCurveOptions, UtilityPoint } from './privacy';
export { privacyUtility } from './sweep';
export type { PrivacyUtilityRun, PrivacyUtilityOptions } from './sweep';
export { figure2Epochs, epochShares, poolCohorts, sampleEpochs, accuracyGroupsFromTransfer, modelWeights } from './paper';
export type { EpochChoiceLike, EpochSampler, PooledPatients, TransferCellLike } from './paper';
export { show, figureBundle, describeFigure, tslabDisplayWriter, PLOTLY_MIME } from './display';
export type { MimeBundle, ShowOptions, DisplayData, DisplayWriter } from './display';
export { exportFigure, exportFigures, defaultFiguresDir } from './export';
export type { ExportFormat, ExportOptions, ExportResult } from './export';
export { findBrowser, browserAvailable, closeBrowser, renderImage, runningBrowser, CHROMIUM_ARGS, CHROMIUM_INSTALL_HINT } from './browser';
export type { RenderOptions, ImageFormat, BrowserChoice, BrowserSource } from './browser';
export { standaloneHtml } from './html';
