import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, 'fixtures');

/** A fresh temporary folder, removed by the caller's afterAll/afterEach via `cleanup`. */
export function tempDir(prefix = 'sprint-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
