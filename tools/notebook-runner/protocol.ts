/**
 * Jupyter messaging protocol v5 wire format, the part a client needs.
 *
 * A message on a ZeroMQ socket is a list of frames:
 *   [identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]
 * where hmac = HMAC-SHA256(key, header || parent_header || metadata || content),
 * hex-encoded (https://jupyter-client.readthedocs.io/en/stable/messaging.html).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const DELIMITER = '<IDS|MSG>';

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
}

export function sign(key: string, parts: string[]): string {
  if (!key) return '';
  const hmac = createHmac('sha256', key);
  for (const p of parts) hmac.update(p);
  return hmac.digest('hex');
}

export function makeMessage<C>(session: string, msgType: string, content: C): JupyterMessage<C> {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username: 'sprint-gan-runner',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: '5.3',
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

/** Frames to send on a DEALER socket (no identities: the ROUTER adds ours). */
export function encode(key: string, msg: JupyterMessage<unknown>): string[] {
  const parts = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [DELIMITER, sign(key, parts), ...parts];
}

export class ProtocolError extends Error {}

/** Parses received frames, verifying the signature. Throws ProtocolError on a bad message. */
export function decode(key: string, frames: Array<Buffer | string>): JupyterMessage {
  const strings = frames.map((f) => f.toString());
  const at = strings.indexOf(DELIMITER);
  if (at < 0 || strings.length < at + 6) throw new ProtocolError('malformed Jupyter message: no <IDS|MSG> delimiter or missing frames');
  const [signature, header, parent, metadata, content] = strings.slice(at + 1, at + 6);
  if (key) {
    const expected = Buffer.from(sign(key, [header, parent, metadata, content]), 'utf8');
    const got = Buffer.from(signature, 'utf8');
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) {
      throw new ProtocolError('Jupyter message with an invalid HMAC signature');
    }
  }
  return {
    header: JSON.parse(header),
    parent_header: JSON.parse(parent),
    metadata: JSON.parse(metadata),
    content: JSON.parse(content),
  };
}
