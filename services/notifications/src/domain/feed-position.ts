/** Where a page of one user's feed ends: the feed is ordered by (created_at, id), newest first. */
export interface FeedPosition {
  createdAt: Date;
  id: string;
}

/** The sort key a page token carries. */
export const positionKey = ({ createdAt, id }: FeedPosition): string[] => [createdAt.toISOString(), id];

/** The position a page token's key names, or undefined when the key is not one `positionKey` made. */
export function positionFromKey(key: string[]): FeedPosition | undefined {
  if (key.length !== 2) return undefined;
  const [time, id] = key;
  const createdAt = new Date(time);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== time || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return { createdAt, id };
}
