import type { Readable } from 'node:stream';
import { Code } from '@connectrpc/connect';
import { EdgeError } from './status-mapping';

/** Envoy's transcoder answers a body over max_request_body_size with exactly this. */
export const tooLarge = (_limit: number) =>
  new EdgeError("Request rejected because the transcoder's internal buffer size exceeds the configured limit.", Code.ResourceExhausted, 413);

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the
 * limit fails before a byte is read; a body that grows past it fails as soon
 * as it does. The stream is paused, not destroyed, on failure: destroying a
 * request destroys its socket, and with it the 413 the caller should read.
 */
export function readBody(body: Readable, limit: number, declaredLength?: string): Promise<Buffer> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      body.pause();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    body.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
