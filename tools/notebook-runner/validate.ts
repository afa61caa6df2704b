/**
 * Structural validation of the nbformat 4.5 on-disk JSON (the required keys
 * and types of the official schema, v4.5): what the runner writes must open in
 * JupyterLab. Returns a list of problems, empty when valid.
 */
const CELL_ID = /^[a-zA-Z0-9-_]+$/;

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMultiline = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

function onlyKeys(o: Json, allowed: string[], where: string, problems: string[]) {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${where}: unexpected key '${k}'`);
}

function checkBundle(data: unknown, where: string, problems: string[]) {
  if (!isObj(data)) return problems.push(`${where}: data must be an object`);
  for (const [mime, v] of Object.entries(data)) {
    if (!/^[a-z]+\/[^\s]+$/.test(mime)) problems.push(`${where}: '${mime}' is not a MIME type`);
    if (!mime.endsWith('json') && !isMultiline(v)) problems.push(`${where}: ${mime} must be a string or list of strings`);
  }
}

function checkOutput(o: unknown, where: string, problems: string[]) {
  if (!isObj(o)) return problems.push(`${where}: output must be an object`);
  switch (o.output_type) {
    case 'stream':
      onlyKeys(o, ['output_type', 'name', 'text'], where, problems);
      if (o.name !== 'stdout' && o.name !== 'stderr') problems.push(`${where}: stream name must be stdout or stderr`);
      if (!isMultiline(o.text)) problems.push(`${where}: stream text must be a string or list of strings`);
      break;
    case 'display_data':
    case 'execute_result':
      onlyKeys(o, ['output_type', 'data', 'metadata', 'execution_count'], where, problems);
      checkBundle(o.data, where, problems);
      if (!isObj(o.metadata)) problems.push(`${where}: metadata must be an object`);
      if (o.output_type === 'execute_result' && !(o.execution_count === null || Number.isInteger(o.execution_count)))
        problems.push(`${where}: execute_result needs execution_count`);
      if (o.output_type === 'display_data' && 'execution_count' in o) problems.push(`${where}: display_data has no execution_count`);
      break;
    case 'error':
      onlyKeys(o, ['output_type', 'ename', 'evalue', 'traceback'], where, problems);
      if (typeof o.ename !== 'string' || typeof o.evalue !== 'string' || !Array.isArray(o.traceback)) problems.push(`${where}: error needs ename, evalue, traceback`);
      break;
    default:
      problems.push(`${where}: unknown output_type ${JSON.stringify(o.output_type)}`);
  }
}

export function validateNotebookJson(nb: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(nb)) return ['notebook must be a JSON object'];
  onlyKeys(nb, ['cells', 'metadata', 'nbformat', 'nbformat_minor'], 'notebook', problems);
  if (nb.nbformat !== 4) problems.push('nbformat must be 4');
  if (!(Number.isInteger(nb.nbformat_minor) && (nb.nbformat_minor as number) >= 5)) problems.push('nbformat_minor must be >= 5 (cell ids)');
  if (!isObj(nb.metadata)) problems.push('metadata must be an object');
  if (!Array.isArray(nb.cells)) return [...problems, 'cells must be a list'];
  const ids = new Set<string>();
  nb.cells.forEach((c, i) => {
    const where = `cell ${i + 1}`;
    if (!isObj(c)) return problems.push(`${where}: must be an object`);
    if (typeof c.id !== 'string' || c.id.length < 1 || c.id.length > 64 || !CELL_ID.test(c.id)) problems.push(`${where}: id must match ${CELL_ID} (1-64 chars)`);
    else if (ids.has(c.id)) problems.push(`${where}: duplicate id '${c.id}'`);
    else ids.add(c.id);
    if (!isObj(c.metadata)) problems.push(`${where}: metadata must be an object`);
    if (!isMultiline(c.source)) problems.push(`${where}: source must be a string or list of strings`);
    if (c.cell_type === 'code') {
      onlyKeys(c, ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count'], where, problems);
      if (!(c.execution_count === null || Number.isInteger(c.execution_count))) problems.push(`${where}: execution_count must be an integer or null`);
      if (!Array.isArray(c.outputs)) problems.push(`${where}: outputs must be a list`);
      else c.outputs.forEach((o, k) => checkOutput(o, `${where} output ${k + 1}`, problems));
    } else if (c.cell_type === 'markdown' || c.cell_type === 'raw') {
      onlyKeys(c, ['id', 'cell_type', 'metadata', 'source', 'attachments'], where, problems);
    } else problems.push(`${where}: unknown cell_type ${JSON.stringify(c.cell_type)}`);
  });
  return problems;
}
