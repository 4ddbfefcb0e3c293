import { Violations } from '../../../../platform/errors';
import { isUuid } from '../../../../platform/ids';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import { requireOwnerOrAdmin } from '../../../../platform/rpc/owner-or-admin';
import type { ListPaymentsRequest, ListPaymentsResponse } from '../../../../gen/ts/shop/payments/v1/payments';
import { paymentPages, type PaymentsStore } from '../store/payments-store';
import { toPayment } from './mapping';

/**
 * A user's payments, newest first, a keyset page at a time: the caller's own,
 * or with `user_id` another user's for an admin (the owner-or-admin rule of
 * GetPayment and GetOrder, applied to the user's payment history).
 */
export function listPaymentsHandler(store: PaymentsStore) {
  return async function listPayments(req: ListPaymentsRequest, ctx: CallContext): Promise<ListPaymentsResponse> {
    const violations = new Violations().check(req.userId === '' || isUuid(req.userId), 'user_id', 'must be empty or a user id (UUID)');
    const userId = req.userId ? req.userId.toLowerCase() : caller(ctx).userId;
    // A page token is only good for the user it was issued for.
    const page = paymentPages.request(req, { userId }, violations);
    violations.throwIfAny();
    requireOwnerOrAdmin(ctx, { userId }, (history) => history.userId, { type: 'payment history', name: userId });
    const { items, nextPageToken } = paymentPages.respond(await store.listByUser(userId, page), page);
    return { payments: items.map(toPayment), nextPageToken };
  };
}
