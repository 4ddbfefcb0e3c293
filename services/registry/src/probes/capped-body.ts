/**
 * The body as text, or undefined once it grows past `maxBytes`: the stream is
 * cancelled there, so an instance that answers /metrics with gigabytes costs
 * the registry at most `maxBytes` of memory and no more reading.
 */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
