import { describe, expect, test } from 'vitest';
import { MEASURES, VISITS } from '../../lib/data/cohort';
import {
  FEATURE_NAMES,
  NASH_LOSS,
  PALETTE,
  PlotError,
  accuracyStrips,
  correlationHeatmap,
  correlationHeatmaps,
  deltaVsEpoch,
  privacyUtilityCurve,
  epochRanks,
  epochScores,
  epsilonVsEpochs,
  featureCorrelation,
  featureWeights,
  figure2,
  lossCurves,
  lossHistoryFromRecords,
  median,
  medianByVisit,
  medianAgreement,
  medianSbpByVisit,
  rankDescending,
  trajectoryMedians,
} from '../../lib/plots';
import type { AccuracyGroup, Figure, LossHistory } from '../../lib/plots';
import { tinyCohort, series } from './fixtures';

/** Every figure must survive JSON (it is written into notebooks as is). */
function expectJsonClean(fig: Figure): void {
  expect(JSON.parse(JSON.stringify(fig))).toEqual(fig);
}

describe('medianAgreement', () => {
  test('mean absolute distance per arm and the arm gap at 27M, by hand', () => {
    const real = { standard: Array(12).fill(135), intensive: [140, ...Array(11).fill(120)] };
    const synthetic = { standard: Array(12).fill(137), intensive: [140, ...Array(10).fill(121), 124] };
    const a = medianAgreement(real, synthetic);
    expect(a.standard).toBe(2);
    expect(a.intensive).toBeCloseTo((10 * 1 + 4) / 12, 12);
    expect(a.gapReal).toBe(15);
    expect(a.gapSynthetic).toBe(13);
    expect(medianAgreement(real, synthetic, 0).gapReal).toBe(-5);
    expect(() => medianAgreement(real, { standard: [1], intensive: [1] })).toThrow(PlotError);
  });
});

describe('medians', () => {
  test('median of odd, even, empty and non-finite inputs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(median([NaN, 5, Infinity, 1])).toBe(3);
  });

  test('medianSbpByVisit on the tiny cohort, by hand', () => {
    const m = medianSbpByVisit(tinyCohort());
    // standard arm: patients 0,1,2 -> RZ {150,130,170} median 150; 1M {140,120,160} -> 140
    // intensive arm: patients 3,4 -> RZ {120,110} -> 115; 1M {125,105} -> 115
    expect(m.standard).toHaveLength(12);
    expect(m.intensive).toHaveLength(12);
    expect(m.standard[0]).toBeCloseTo(150, 4);
    expect(m.standard[1]).toBeCloseTo(140, 4);
    expect(m.intensive[0]).toBeCloseTo(115, 4);
    expect(m.intensive[1]).toBeCloseTo(115, 4);
    for (let v = 2; v < 12; v++) {
      expect(m.standard[v]).toBeCloseTo(100, 4);
      expect(m.intensive[v]).toBeCloseTo(100, 4);
    }
  });

  test('medianByVisit for DBP and meds uses each measure maximum', () => {
    const c = tinyCohort();
    const dbp = medianByVisit(c, 'DBP');
    expect(dbp.standard[0]).toBeCloseTo(80, 4); // {80,70,90}
    expect(dbp.intensive[0]).toBeCloseTo(67.5, 4); // {60,75}
    const meds = medianByVisit(c, 'N_BPCLASSES');
    expect(meds.standard[5]).toBeCloseTo(2, 6);
  });

  test('an arm without patients gives NaN; bad shapes are PlotErrors', () => {
    const c = tinyCohort();
    const allStandard = { ...c, y: new Uint8Array(5) };
    expect(medianSbpByVisit(allStandard).intensive.every(Number.isNaN)).toBe(true);
    expect(() => medianSbpByVisit({ ...c, x: (c.x as Float32Array).subarray(1) })).toThrow(PlotError);
    expect(() => medianSbpByVisit({ ...c, y: Uint8Array.from([0, 0, 2, 1, 1]) })).toThrow(/0 \(standard\) or 1/);
  });
});

describe('figure2', () => {
  const input = {
    real: { standard: series(140), intensive: series(130) },
    nonPrivate: { standard: series(139), intensive: series(129) },
    private: { standard: series(138), intensive: series(128) },
  };

  test('six series with the paper colors, markers, visits and y range', () => {
    const fig = figure2(input, { panel: 'A' });
    expect(fig.data).toHaveLength(6);
    expect(fig.data.map((t) => t.name)).toEqual([
      'Real standard',
      'Real intensive',
      'Non-private standard',
      'Non-private intensive',
      'Private standard',
      'Private intensive',
    ]);
    expect(fig.data.map((t) => t.marker?.color)).toEqual(['#B21E0D', '#FF412B', '#0E5FCC', '#537CB2', '#9300B2', '#DA2BFF']);
    expect(fig.data.map((t) => t.line?.color)).toEqual(fig.data.map((t) => t.marker?.color));
    expect(fig.data.map((t) => t.marker?.symbol)).toEqual(['circle', 'circle', 'triangle-up', 'triangle-up', 'square', 'square']);
    for (const t of fig.data) {
      expect(t.type).toBe('scatter');
      expect(t.x).toEqual([...VISITS]);
      expect(t.y).toHaveLength(12);
    }
    expect(fig.data[0].y).toEqual(series(140));
    expect(fig.layout.yaxis?.range).toEqual([100, 170]);
    expect(fig.layout.xaxis?.categoryarray).toEqual([...VISITS]);
    expectJsonClean(fig);
  });

  test('panel titles A-D', () => {
    expect(figure2(input, { panel: 'A' }).layout.title?.text).toBe('Figure 2A: Last epoch');
    expect(figure2(input, { panel: 'B' }).layout.title?.text).toMatch(/2B: Best epoch by logistic regression/);
    expect(figure2(input, { panel: 'C' }).layout.title?.text).toMatch(/2C: Best epoch by random forest/);
    expect(figure2(input, { panel: 'D' }).layout.title?.text).toMatch(/2D: Top 5 epochs by random forest \+ top 5 by logistic/);
    expect(figure2(input, { title: 'Mine' }).layout.title?.text).toBe('Mine');
  });

  test('a source slot can carry another cohort under its own legend name', () => {
    const names = figure2(input, { labels: { nonPrivate: 'Markov-Gaussian' } }).data.map((t) => t.name);
    expect(names).toEqual(['Real standard', 'Real intensive', 'Markov-Gaussian standard', 'Markov-Gaussian intensive', 'Private standard', 'Private intensive']);
  });

  test('sources may be left out; NaN becomes a gap; wrong lengths are PlotErrors', () => {
    const fig = figure2({ real: { standard: series(140), intensive: [NaN, ...series(130).slice(1)] } });
    expect(fig.data).toHaveLength(2);
    expect(fig.data[1].y?.[0]).toBeNull();
    expectJsonClean(fig);
    expect(() => figure2({ real: { standard: series(140).slice(1), intensive: series(130) } })).toThrow(/expected 12 values/);
    expect(() => figure2({ nonPrivate: input.nonPrivate } as never)).toThrow(PlotError);
  });

  test('from cohorts end to end: medians of the tiny fixture', () => {
    const m = medianSbpByVisit(tinyCohort());
    const fig = figure2({ real: m, nonPrivate: m, private: m });
    expect(fig.data[0].y?.[0]).toBeCloseTo(150, 4);
    expect(fig.data[1].y?.[1]).toBeCloseTo(115, 4);
  });
});

test('trajectoryMedians: one panel per measure, two arms each, shared visit axis', () => {
  const fig = trajectoryMedians(tinyCohort());
  expect(fig.data).toHaveLength(6);
  expect(fig.data.map((t) => t.yaxis)).toEqual(['y', 'y', 'y2', 'y2', 'y3', 'y3']);
  expect(fig.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(['Standard', 'Intensive']);
  expect(fig.data.map((t) => t.line?.color)).toEqual([PALETTE.real.standard, PALETTE.real.intensive, ...Array(4).fill(null).map((_, i) => (i % 2 ? PALETTE.real.intensive : PALETTE.real.standard))]);
  expect(fig.data[2].y?.[0]).toBeCloseTo(80, 4); // DBP standard RZ
  expect((fig.layout.yaxis3 as { title: { text: string } }).title.text).toMatch(/classes/);
  expect(fig.layout.xaxis?.anchor).toBe('y3');
  expect(MEASURES).toHaveLength(3);
  const one = trajectoryMedians(tinyCohort(), { measures: ['SBP'] });
  expect(one.data).toHaveLength(2);
  expectJsonClean(fig);
});

describe('loss curves', () => {
  const history: LossHistory = [1, 2, 3].map((epoch) => ({
    epoch,
    trainGenLoss: 0.7 + epoch / 100,
    trainAuxLoss: 0.6 - epoch / 100,
    holdoutGenLoss: 0.72,
    holdoutAuxLoss: 0.61,
  }));

  test('four lines and the Nash line at -log(0.5)', () => {
    const fig = lossCurves(history, { title: 'Figure 1D' });
    expect(fig.data.map((t) => t.name)).toEqual(['Train generation loss', 'Holdout generation loss', 'Train auxiliary loss', 'Holdout auxiliary loss']);
    expect(fig.data[0].x).toEqual([1, 2, 3]);
    expect(fig.data[0].y?.[2]).toBeCloseTo(0.73, 10);
    expect(NASH_LOSS).toBeCloseTo(Math.LN2, 12);
    expect(fig.layout.shapes).toHaveLength(1);
    expect(fig.layout.shapes?.[0]).toMatchObject({ type: 'line', y0: NASH_LOSS, y1: NASH_LOSS, xref: 'paper', x0: 0, x1: 1 });
    expect(fig.layout.annotations?.[0].text).toMatch(/Nash/);
    expect(fig.layout.title?.text).toBe('Figure 1D');
    expectJsonClean(fig);
  });

  test('no holdout -> train lines only; generation-only option; GAN records adapter', () => {
    const noHoldout = history.map((h) => ({ ...h, holdoutGenLoss: null, holdoutAuxLoss: null }));
    expect(lossCurves(noHoldout).data.map((t) => t.name)).toEqual(['Train generation loss', 'Train auxiliary loss']);
    expect(lossCurves(history, { losses: 'generation', nashLine: false }).data).toHaveLength(2);
    expect(lossCurves(history, { nashLine: false }).layout.shapes).toBeUndefined();
    const records = [
      { epoch: 1, train: { d: { gen: 0.7, aux: 0.6 }, g: { gen: 0.9, aux: 0.5 } }, holdout: null, extra: 1 },
      { epoch: 2, train: { d: { gen: 0.69, aux: 0.55 }, g: { gen: 0.8, aux: 0.4 } }, holdout: { d: { gen: 0.71, aux: 0.58 }, g: { gen: 0.85, aux: 0.45 } } },
    ];
    expect(lossHistoryFromRecords(records)).toEqual([
      { epoch: 1, trainGenLoss: 0.7, trainAuxLoss: 0.6, holdoutGenLoss: null, holdoutAuxLoss: null },
      { epoch: 2, trainGenLoss: 0.69, trainAuxLoss: 0.55, holdoutGenLoss: 0.71, holdoutAuxLoss: 0.58 },
    ]);
    expect(lossHistoryFromRecords(records, 'generator')[1].trainGenLoss).toBe(0.8);
    expect(() => lossCurves([])).toThrow(PlotError);
  });
});

describe('epoch scores and ranks', () => {
  const scores = [
    { epoch: 1, forest: 0.6, logistic: 0.7 },
    { epoch: 2, forest: 0.8, logistic: 0.65 },
    { epoch: 3, forest: 0.7, logistic: 0.7 },
  ];
  test('rankDescending: 1 = best, ties by earlier epoch, NaN last', () => {
    expect(rankDescending([0.6, 0.8, 0.7])).toEqual([3, 1, 2]);
    expect(rankDescending([0.7, 0.65, 0.7])).toEqual([1, 3, 2]);
    expect(rankDescending([NaN, 0.1])).toEqual([2, 1]);
  });
  test('score and rank figures per method', () => {
    const s = epochScores(scores, { top: 1 });
    expect(s.data.map((t) => t.name)).toEqual(['Random forest', 'Logistic regression']);
    expect(s.data[0].y).toEqual([0.6, 0.8, 0.7]);
    expect(s.data[0].marker?.size).toEqual([4, 10, 4]);
    const r = epochRanks(scores);
    expect(r.data[0].y).toEqual([3, 1, 2]);
    expect(r.data[1].y).toEqual([1, 3, 2]);
    expect(r.layout.yaxis?.autorange).toBe('reversed');
    expect(() => epochRanks(scores, { methods: ['svm'] })).toThrow(/no numeric "svm"/);
    expectJsonClean(s);
    expectJsonClean(r);
  });
});

test('accuracyStrips (Figure 3): one strip trace per source, x = classifier', () => {
  const fig = accuracyStrips([
    { classifier: 'forest', real: [0.7, 0.72], nonPrivate: [0.68], private: [0.6, 0.61, 0.62] },
    { classifier: 'logistic', real: [0.75], nonPrivate: [0.7, 0.71], private: [0.65] },
  ]);
  expect(fig.data.map((t) => t.name)).toEqual(['Real', 'Non-private', 'Private']);
  expect(fig.data.map((t) => t.marker?.symbol)).toEqual(['circle', 'triangle-up', 'square']);
  expect(fig.data.map((t) => t.marker?.color)).toEqual(['#B21E0D', '#0E5FCC', '#9300B2']);
  expect(fig.data[0].x).toEqual(['Random forest', 'Random forest', 'Logistic regression']);
  expect(fig.data[2].y).toEqual([0.6, 0.61, 0.62, 0.65]);
  expect(fig.data.every((t) => t.type === 'box' && t.boxpoints === 'all')).toBe(true);
  expect(fig.layout.boxmode).toBe('group');
  expectJsonClean(fig);
});

test('accuracyStrips: other cohorts come after the three, each its own look, labelled, in order of appearance', () => {
  const groups: AccuracyGroup[] = [
    { classifier: 'forest', real: [0.7], private: [0.6], others: { 'Private Gaussian (ε 1.6)': [0.66, 0.67] } },
    { classifier: 'knn', real: [0.72], private: [0.62], others: { 'Private Markov-Gaussian': [0.7] } },
  ];
  const fig = accuracyStrips(groups);
  expect(fig.data.map((t) => t.name)).toEqual(['Real', 'Private', 'Private Gaussian (ε 1.6)', 'Private Markov-Gaussian']);
  expect(fig.data[2].marker).toMatchObject({ color: '#2CA02C', symbol: 'diamond' });
  expect(fig.data[3].marker).toMatchObject({ symbol: 'star' });
  expect(fig.data[3].marker?.color).not.toBe(fig.data[2].marker?.color);
  expect(fig.data[2].x).toEqual(['Random forest', 'Random forest']);
  expect(fig.data[2].y).toEqual([0.66, 0.67]);
  expect(fig.data[3].x).toEqual(['k-nearest neighbors']);
  expectJsonClean(fig);
});

describe('features (Figure 4) and correlations', () => {
  test('FEATURE_NAMES: 36, measure-major', () => {
    expect(FEATURE_NAMES).toHaveLength(36);
    expect(FEATURE_NAMES[0]).toBe('SBP_RZ');
    expect(FEATURE_NAMES[11]).toBe('SBP_27M');
    expect(FEATURE_NAMES[12]).toBe('DBP_RZ');
    expect(FEATURE_NAMES[35]).toBe('N_BPCLASSES_27M');
  });

  test('featureWeights: grouped bars over the 36 features', () => {
    const w = FEATURE_NAMES.map((_, i) => i / 36);
    const fig = featureWeights({ real: w, nonPrivate: w, private: w }, { method: 'forest' });
    expect(fig.data).toHaveLength(3);
    expect(fig.data[0].x).toEqual([...FEATURE_NAMES]);
    expect(fig.data.map((t) => t.marker?.color)).toEqual(['#B21E0D', '#0E5FCC', '#9300B2']);
    expect(fig.layout.barmode).toBe('group');
    expect(fig.layout.yaxis?.title?.text).toMatch(/Importance/);
    const lr = featureWeights({ real: w }, { method: 'logistic' });
    expect(lr.data).toHaveLength(1);
    expect(lr.layout.yaxis?.zeroline).toBe(true);
    expect(() => featureWeights({ real: w.slice(1) }, { method: 'svm' })).toThrow(/expected 36/);
  });

  test('featureCorrelation: +1, -1, constant -> NaN on a 3-feature fixture', () => {
    // feature 0 = i, feature 1 = -2i, feature 2 constant
    const x = [0, 0, 5, 1, -2, 5, 2, -4, 5, 4, -8, 5];
    const c = featureCorrelation(x, 3);
    expect(c[0][1]).toBeCloseTo(-1, 12);
    expect(c[1][0]).toBeCloseTo(-1, 12);
    expect(c[0][0]).toBe(1);
    expect(c[0][2]).toBeNaN();
    expect(c[2][2]).toBe(1);
    const full = featureCorrelation(tinyCohort().x);
    expect(full).toHaveLength(36);
    expect(full[0][1]).toBeGreaterThan(0.9); // SBP RZ vs 1M move together
  });

  test('correlation heatmaps: 36 x 36, -1..1, three titled figures', () => {
    const m = featureCorrelation(tinyCohort().x);
    const fig = correlationHeatmap(m, { title: 'Real' });
    const t = fig.data[0];
    expect(t.type).toBe('heatmap');
    expect(t.z).toHaveLength(36);
    expect(t.z?.[0]).toHaveLength(36);
    expect(t.z?.[0][5]).toBeNull(); // SBP_6M is constant in the fixture
    expect([t.zmin, t.zmax]).toEqual([-1, 1]);
    expect(t.x).toEqual([...FEATURE_NAMES]);
    expect(fig.layout.yaxis?.autorange).toBe('reversed');
    expectJsonClean(fig);
    const three = correlationHeatmaps({ real: m, nonPrivate: m, private: m });
    expect(Object.keys(three)).toEqual(['real', 'nonPrivate', 'private']);
    expect(three.private.layout.title?.text).toBe('Feature correlation: private synthetic');
    expect(() => correlationHeatmap(m.slice(1))).toThrow(PlotError);
  });
});

describe('privacy figures', () => {
  test('privacyUtilityCurve: a panel per classifier, a line per generator, ∞ at the end, the real line dashed', () => {
    const acc = (m: number) => ({ forest: { mean: m, sd: 0.01 }, logistic: { mean: m - 0.02, sd: 0.02 }, knn: { mean: m - 0.1, sd: 0 } });
    const points = [
      { generator: 'AC-GAN', epsilon: 1.6, accuracy: acc(0.81) },
      { generator: 'AC-GAN', epsilon: 0.5, accuracy: acc(0.7) },
      { generator: 'AC-GAN', epsilon: null, accuracy: acc(0.87) },
      { generator: 'Markov', epsilon: 1.6, accuracy: acc(0.92) },
    ];
    const fig = privacyUtilityCurve(points, { real: { forest: 0.93, logistic: 0.95, knn: 0.82 } });
    const acgan = fig.data.filter((t) => t.name === 'AC-GAN');
    expect(acgan).toHaveLength(3); // one per panel
    expect(acgan[0].x).toEqual([0.5, 1.6, 4]); // sorted by ε, ∞ at 2.5 x the largest
    expect(acgan[0].y).toEqual([0.7, 0.81, 0.87]);
    expect(acgan[1].yaxis).toBe('y2');
    expect((acgan[1].error_y as { array: number[] }).array).toEqual([0.02, 0.02, 0.02]);
    expect(fig.data.filter((t) => t.name === 'AC-GAN').map((t) => t.showlegend)).toEqual([true, false, false]);
    const real = fig.data.filter((t) => t.name === 'trained on real patients');
    expect(real.map((t) => t.y)).toEqual([[0.93, 0.93], [0.95, 0.95], [0.82, 0.82]]);
    expect(fig.layout.xaxis?.type).toBe('log');
    expect((fig.layout.xaxis as { ticktext: string[] }).ticktext).toEqual(['0.5', '1.6', '∞']);
    expectJsonClean(fig);
    expect(() => privacyUtilityCurve([])).toThrow(PlotError);
    expect(() => privacyUtilityCurve([{ generator: 'x', epsilon: null, accuracy: acc(0.9) }])).toThrow(/every point is non-private/);
    expect(() => privacyUtilityCurve([{ generator: 'x', epsilon: -1, accuracy: acc(0.9) }])).toThrow(/positive and finite/);
  });

  test('deltaVsEpoch: one line per epsilon, log axis, delta max line', () => {
    const fig = deltaVsEpoch({
      series: [
        { epsilon: 1, epochs: [1, 2, 3], delta: [1e-9, 1e-7, 1e-5] },
        { epsilon: 3, epochs: [1, 2, 3], delta: [1e-12, 0, 1e-8] },
      ],
      deltaMax: 1e-5,
    });
    expect(fig.data.map((t) => t.name)).toEqual(['ε = 1', 'ε = 3', 'δ max = 1e-5']);
    expect(fig.data[1].y).toEqual([1e-12, null, 1e-8]); // 0 has no log
    expect(fig.data[2]).toMatchObject({ x: [1, 3], y: [1e-5, 1e-5], line: { dash: 'dash' } });
    expect(fig.layout.yaxis?.type).toBe('log');
    expect(() => deltaVsEpoch({ series: [{ epsilon: 1, epochs: [1, 2], delta: [1] }] })).toThrow(/expected 2/);
    expectJsonClean(fig);
  });

  test('epsilonVsEpochs: one line per noise multiplier', () => {
    const fig = epsilonVsEpochs({ series: [{ noiseMultiplier: 1, epochs: [1, 2], epsilon: [0.5, 0.8] }, { noiseMultiplier: 4, epochs: [1, 2], epsilon: [0.1, 0.15] }], delta: 1e-5 });
    expect(fig.data.map((t) => t.name)).toEqual(['σ = 1', 'σ = 4']);
    expect(fig.layout.title?.text).toMatch(/δ = 1e-5/);
    expect(fig.layout.yaxis?.type).toBe('linear');
  });
});
