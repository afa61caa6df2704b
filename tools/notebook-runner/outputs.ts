/**
 * Turning a cell's iopub messages into nbformat outputs, the way JupyterLab
 * would store them: consecutive stream chunks of the same name merged, carriage
 * returns and backspaces applied (a `\r` progress bar keeps its final state),
 * update_display_data and clear_output honoured.
 */
import type { JupyterMessage } from './protocol';
import type { MimeBundle, Output } from './notebook';

/** Applies `\r` (return to line start) and `\b` (erase previous char) like a terminal would. */
export function applyControlChars(text: string): string {
  let out = text.replace(/\r+\n/g, '\n');
  out = out
    .split('\n')
    .map((line) => {
      const at = line.lastIndexOf('\r');
      return at >= 0 ? line.slice(at + 1) : line;
    })
    .join('\n');
  // \x08 is backspace (a bare \b in a regex would be a word boundary).
  while (/[^\n\x08]\x08/.test(out)) out = out.replace(/[^\n\x08]\x08/g, '');
  return out.replace(/\x08/g, '');
}

/** Merges adjacent stream outputs with the same name and applies control characters. */
export function coalesceStreams(outputs: Output[]): Output[] {
  const merged: Output[] = [];
  for (const o of outputs) {
    const last = merged[merged.length - 1];
    if (o.output_type === 'stream' && last && last.output_type === 'stream' && last.name === o.name) {
      merged[merged.length - 1] = { ...last, text: last.text + o.text };
    } else {
      merged.push(o.output_type === 'stream' ? { ...o } : o);
    }
  }
  return merged
    .map((o) => (o.output_type === 'stream' ? { ...o, text: applyControlChars(o.text) } : o))
    .filter((o) => !(o.output_type === 'stream' && o.text === ''));
}

export function messagesToOutputs(messages: JupyterMessage[]): Output[] {
  let outputs: Output[] = [];
  const displayIds = new Map<string, number>();
  let clearPending = false;
  const push = (o: Output) => {
    if (clearPending) {
      outputs = [];
      displayIds.clear();
      clearPending = false;
    }
    outputs.push(o);
  };
  for (const m of messages) {
    const c = m.content as Record<string, unknown>;
    const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
    switch (m.header.msg_type) {
      case 'stream':
        push({ output_type: 'stream', name: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') });
        break;
      case 'display_data':
        push({ output_type: 'display_data', data: (c.data ?? {}) as MimeBundle, metadata: (c.metadata ?? {}) as Record<string, unknown> });
        if (displayId) displayIds.set(displayId, outputs.length - 1);
        break;
      case 'update_display_data':
        if (displayId && displayIds.has(displayId)) {
          const i = displayIds.get(displayId)!;
          outputs[i] = { output_type: 'display_data', data: (c.data ?? {}) as MimeBundle, metadata: (c.metadata ?? {}) as Record<string, unknown> };
        }
        break;
      case 'execute_result':
        push({
          output_type: 'execute_result',
          data: (c.data ?? {}) as MimeBundle,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
          execution_count: (c.execution_count ?? null) as number | null,
        });
        break;
      case 'error':
        push({ output_type: 'error', ename: String(c.ename ?? ''), evalue: String(c.evalue ?? ''), traceback: (c.traceback ?? []) as string[] });
        break;
      case 'clear_output':
        if (c.wait) clearPending = true;
        else {
          outputs = [];
          displayIds.clear();
        }
        break;
      default:
        break;
    }
  }
  return coalesceStreams(outputs);
}
