import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** The request body as text, refusing (BodyTooLarge) as soon as it passes `maxBytes` instead of buffering it all. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
