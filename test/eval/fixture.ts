import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A labelled table read from a fixture CSV: header line, feature columns, last column the 0/1 label. */
export interface LabelledTable {
  x: Float64Array;
  y: Uint8Array;
  nRows: number;
  nCols: number;
}

export function readLabelledCsv(path: string): LabelledTable {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const nCols = lines[0].split(',').length - 1;
  const nRows = lines.length - 1;
  const x = new Float64Array(nRows * nCols);
  const y = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const cells = lines[i + 1].split(',');
    if (cells.length !== nCols + 1) throw new Error(`${path}: line ${i + 2} has ${cells.length} cells, expected ${nCols + 1}`);
    for (let j = 0; j < nCols; j++) x[i * nCols + j] = Number(cells[j]);
    y[i] = Number(cells[nCols]);
  }
  return { x, y, nRows, nCols };
}

export const FIXTURE_DIR = join(__dirname, 'fixtures');

/** The seeded SPRINT-shaped fixture (bench/sklearn/make_fixture.py --seed 6 --n-train 2000 --n-test 500). */
export function armFixture(): { train: LabelledTable; test: LabelledTable } {
  return {
    train: readLabelledCsv(join(FIXTURE_DIR, 'arm-train.csv')),
    test: readLabelledCsv(join(FIXTURE_DIR, 'arm-test.csv')),
  };
}
