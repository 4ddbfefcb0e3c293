export interface CoPurchasePair {
  productId: string;
  otherId: string;
}

/**
 * What one order adds to the co-purchase counts: each ordered pair of
 * distinct products in it, both ways, once per order whatever the
 * quantities. Sorted, so concurrent orders lock the same rows in the same
 * order and do not deadlock each other.
 */
export function coPurchasePairs(productIds: string[]): CoPurchasePair[] {
  const ids = [...new Set(productIds.map((id) => id.trim().toLowerCase()).filter(Boolean))].sort();
  return ids.flatMap((productId) => ids.filter((otherId) => otherId !== productId).map((otherId) => ({ productId, otherId })));
}
