/**
 * A strict CSV reader for the SPRINT files: comma-separated, UTF-8, first line
 * the header, RFC 4180 quoting allowed. Keeps for every record the line number
 * an editor shows (header = line 1) so errors can point at it, and reports
 * encoding and delimiter problems as typed errors.
 */
import { DataWarning, SprintDataError } from './errors';

export interface CsvText {
  file: string;
  header: string[];
  /** Records (fields as text), header excluded, blank lines skipped. */
  records: string[][];
  /** Editor line number of each record's first line. */
  lines: number[];
  warnings: DataWarning[];
}

const REPLACEMENT = '\uFFFD';

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Decodes bytes as UTF-8, rejecting UTF-16 and invalid byte sequences; strips a UTF-8 BOM with a warning. */
export function decodeCsv(file: string, bytes: Uint8Array): { text: string; warnings: DataWarning[] } {
  const warnings: DataWarning[] = [];
  const utf16 =
    (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) ||
    (bytes.length >= 4 && (bytes[1] === 0 || bytes[0] === 0) && bytes.indexOf(0) < 4);
  if (utf16) {
    throw new SprintDataError('the file is encoded as UTF-16, not UTF-8', {
      code: 'encoding',
      file,
      expected: 'UTF-8 text',
      hint: 'Re-save the file as "CSV UTF-8" (or convert it: iconv -f UTF-16 -t UTF-8).',
    });
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    warnings.push({
      file,
      kind: 'bom',
      count: 1,
      firstRow: 1,
      message: `${file}: starts with a UTF-8 byte-order mark (as Excel writes); it was ignored.`,
    });
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    throw new SprintDataError('the file contains NUL bytes (binary data or a UTF-16 file without byte-order mark)', {
      code: 'encoding',
      file,
      row: lineOf(text, nul),
      expected: 'UTF-8 text',
      hint: 'Check that this is the CSV file from the release and re-save it as UTF-8.',
    });
  }
  const bad = text.indexOf(REPLACEMENT);
  if (bad >= 0) {
    const line = lineOf(text, bad);
    const lineText = text.split('\n')[line - 1] ?? '';
    throw new SprintDataError('the file is not valid UTF-8 (a byte sequence cannot be decoded; Latin-1 or Windows-1252 text?)', {
      code: 'encoding',
      file,
      row: line,
      value: lineText.length > 80 ? lineText.slice(0, 80) + '...' : lineText,
      expected: 'UTF-8 text',
      hint: 'Re-save the file as UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8).',
    });
  }
  return { text, warnings };
}

/** Splits CSV text into records, tracking editor line numbers. Handles "quoted, fields" and CRLF. */
function splitRecords(file: string, text: string): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let done = false;
    while (!done) {
      if (i < n && text[i] === '"') {
        // quoted field
        i++;
        for (;;) {
          if (i >= n) {
            throw new SprintDataError('a quoted field is not closed', {
              code: 'bad-row',
              file,
              row: startLine,
              expected: 'a closing double quote',
              hint: 'Fix the quoting of that line (or remove the stray double quote).',
            });
          }
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
      }
      // unquoted part (or what follows a closing quote)
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 /* , */ || c === 10 /* \n */) break;
        j++;
      }
      let part = text.slice(i, j);
      if (j >= n || text.charCodeAt(j) === 10) {
        if (part.endsWith('\r')) part = part.slice(0, -1);
        done = true;
      }
      field += part;
      fields.push(field);
      field = '';
      i = j + 1;
      if (j < n && text.charCodeAt(j) === 10) line++;
      if (j >= n) done = true;
    }
    if (fields.length === 1 && fields[0].trim() === '') continue; // blank line
    records.push(fields);
    lines.push(startLine);
  }
  return { records, lines };
}

/** Reads CSV bytes, checking encoding, delimiter and the field count of every record. */
export function parseCsv(file: string, bytes: Uint8Array): CsvText {
  const { text, warnings } = decodeCsv(file, bytes);
  if (text.trim() === '') {
    throw new SprintDataError('the file is empty', {
      code: 'empty-file',
      file,
      expected: 'a header line and one row per record',
      hint: 'Copy the file again from the SPRINT release; it may have been truncated.',
    });
  }
  const { records, lines } = splitRecords(file, text);
  const header = records[0].map((h) => h.trim());
  if (header.length === 1) {
    const h = header[0];
    const other = [';', '\t', '|'].find((d) => h.includes(d));
    if (other !== undefined) {
      const name = other === '\t' ? 'tab' : `"${other}"`;
      throw new SprintDataError(`the header is separated by ${name}, not by commas`, {
        code: 'delimiter',
        file,
        row: lines[0],
        value: h.length > 80 ? h.slice(0, 80) + '...' : h,
        expected: 'comma-separated values',
        hint: `Export the file again as comma-separated CSV (a spreadsheet in a locale that uses ${name} as list separator changes it).`,
      });
    }
  }
  const body = records.slice(1);
  const bodyLines = lines.slice(1);
  for (let r = 0; r < body.length; r++) {
    if (body[r].length !== header.length) {
      throw new SprintDataError(`the line has ${body[r].length} fields but the header has ${header.length}`, {
        code: 'bad-row',
        file,
        row: bodyLines[r],
        value: body[r].join(',').slice(0, 80),
        expected: `${header.length} comma-separated fields`,
        hint: 'Fix or remove that line (an unquoted comma inside a value, or a truncated line?).',
      });
    }
  }
  return { file, header, records: body, lines: bodyLines, warnings };
}
