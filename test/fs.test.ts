import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isTmpName, repoRoot, tmpName, writeFileAtomic, writeJsonAtomic } from '../lib/fs';
import { removeStaleTemps } from '../lib/generators/acgan/checkpoint';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lib-fs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('lib/fs', () => {
  it('writeFileAtomic creates the folder, replaces the content, leaves no temporary file', () => {
    const file = path.join(dir, 'a', 'b', 'f.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, new Uint8Array([0x74, 0x77, 0x6f]));
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['f.txt']);
    writeJsonAtomic(file, { x: [1, 2] });
    expect(fs.readFileSync(file, 'utf8')).toBe('{\n "x": [\n  1,\n  2\n ]\n}\n');
  });

  it('on failure removes its temporary file and leaves what was there', () => {
    const target = path.join(dir, 'taken');
    fs.mkdirSync(path.join(target, 'inside'), { recursive: true }); // renaming a file over a non-empty folder fails
    expect(() => writeFileAtomic(target, 'x')).toThrow();
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('taken'))).toEqual(['taken']);
    expect(fs.readdirSync(target)).toEqual(['inside']);
  });

  it('temporary names are next to the target and recognized as stale after a crash', () => {
    const run = path.join(dir, 'run');
    fs.mkdirSync(run);
    const t = tmpName(path.join(run, 'history.json'));
    expect(path.dirname(t)).toBe(run);
    expect(isTmpName(path.basename(t))).toBe(true);
    for (const name of ['history.json', 'run.json.tmp', 'x.tmp-12-', 'x.tmp-ab-12', 'x.tmp-12-ab.json']) expect(isTmpName(name), name).toBe(false);
    fs.writeFileSync(t, '[');
    fs.writeFileSync(path.join(run, 'history.json'), '[]');
    removeStaleTemps(run);
    expect(fs.readdirSync(run)).toEqual(['history.json']);
  });

  it('repoRoot is this checkout', () => {
    expect(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).name).toBe('sprint-gan-ts');
    expect(repoRoot()).toBe(fs.realpathSync(path.resolve(__dirname, '..')));
  });
});
