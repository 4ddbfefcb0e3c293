import { strict as assert } from 'node:assert';
import { Code, RpcError } from '../../../../platform/errors';
import {
  onOrderCreated,
  onRepeatedReserve,
  outOfStock,
  parseReleaseRequest,
  parseReserveRequest,
  releases,
  sameLines,
  type Reservation,
} from './stock-reservation';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const ID = 'cccccccc-0000-4000-8000-000000000003';

const reservation = (fields: Partial<Reservation> = {}): Reservation => ({
  id: ID,
  status: 'RESERVED',
  releaseKind: null,
  lines: [{ productId: A, quantity: 1 }],
  createdAt: new Date(0),
  expiresAt: new Date(1),
  ...fields,
});

const rpcError = (work: () => unknown): RpcError => {
  try {
    work();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  assert.fail('expected an RpcError');
};

describe('catalog/domain/stock-reservation', () => {
  describe('parseReserveRequest', () => {
    it('merges a product named twice and orders the lines by product id, so reservations lock rows in one order', () => {
      const parsed = parseReserveRequest({
        reservationId: ID.toUpperCase(),
        items: [
          { productId: B, quantity: 1 },
          { productId: A.toUpperCase(), quantity: 2 },
          { productId: B, quantity: 3 },
        ],
      });
      assert.equal(parsed.id, ID);
      assert.deepEqual(parsed.lines, [
        { productId: A, quantity: 2 },
        { productId: B, quantity: 4 },
      ]);
    });

    it('names every bad field at once', () => {
      const error = rpcError(() => parseReserveRequest({ reservationId: 'nope', items: [{ productId: 'x', quantity: 0 }] }));
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.deepEqual(
        error.details.fieldViolations!.map((v) => v.field),
        ['reservation_id', 'items[0].product_id', 'items[0].quantity'],
      );
    });

    it('refuses a reservation without items', () => {
      const error = rpcError(() => parseReserveRequest({ reservationId: ID, items: [] }));
      assert.deepEqual(
        error.details.fieldViolations!.map((v) => v.field),
        ['items'],
      );
    });
  });

  describe('parseReleaseRequest', () => {
    it('needs a reservation id and a short reason', () => {
      const error = rpcError(() => parseReleaseRequest({ reservationId: '', reason: 'x'.repeat(256) }));
      assert.deepEqual(
        error.details.fieldViolations!.map((v) => v.field),
        ['reservation_id', 'reason'],
      );
      assert.deepEqual(parseReleaseRequest({ reservationId: ID, reason: ' changed my mind ' }), { id: ID, reason: 'changed my mind' });
    });
  });

  describe('a repeated ReserveStock', () => {
    const lines = [{ productId: A, quantity: 1 }];

    it('answers a held reservation as it is: nothing is taken twice', () => {
      assert.equal(onRepeatedReserve(reservation(), lines), 'answer');
      assert.equal(onRepeatedReserve(reservation({ status: 'CONFIRMED' }), lines), 'answer');
    });

    it('takes an abandoned reservation again: the caller is retrying the order it gave up on', () => {
      assert.equal(onRepeatedReserve(reservation({ status: 'RELEASED', releaseKind: 'ABANDONED' }), lines), 'take-again');
    });

    it('leaves the reservation of an ended order released', () => {
      assert.equal(onRepeatedReserve(reservation({ status: 'RELEASED', releaseKind: 'ENDED' }), lines), 'answer');
    });

    it('refuses other items under the same id', () => {
      const error = rpcError(() => onRepeatedReserve(reservation(), [{ productId: A, quantity: 2 }]));
      assert.equal(error.code, Code.FAILED_PRECONDITION);
      assert.equal(error.details.reason, 'RESERVATION_MISMATCH');
    });
  });

  describe('OrderCreated', () => {
    it('confirms a held reservation', () => {
      assert.equal(onOrderCreated(reservation()), 'confirm');
    });

    it('takes an abandoned reservation again, since its order exists after all', () => {
      assert.equal(onOrderCreated(reservation({ status: 'RELEASED', releaseKind: 'ABANDONED' })), 'take-again');
    });

    it('changes nothing for a confirmed reservation or one whose order already ended', () => {
      assert.equal(onOrderCreated(reservation({ status: 'CONFIRMED' })), 'nothing');
      assert.equal(onOrderCreated(reservation({ status: 'RELEASED', releaseKind: 'ENDED' })), 'nothing');
    });
  });

  it('gives stock back only from a reservation that still holds it', () => {
    assert.equal(releases(reservation()), true);
    assert.equal(releases(reservation({ status: 'CONFIRMED' })), true);
    assert.equal(releases(reservation({ status: 'RELEASED', releaseKind: 'ENDED' })), false);
  });

  it('compares lines whatever their order', () => {
    assert.ok(
      sameLines(
        [
          { productId: B, quantity: 1 },
          { productId: A, quantity: 2 },
        ],
        [
          { productId: A, quantity: 2 },
          { productId: B, quantity: 1 },
        ],
      ),
    );
    assert.ok(
      !sameLines(
        [{ productId: A, quantity: 2 }],
        [
          { productId: A, quantity: 2 },
          { productId: B, quantity: 1 },
        ],
      ),
    );
  });

  it('names each product short of stock, with what is left', () => {
    const error = outOfStock([
      { productId: A, name: 'Cola', available: 0, wanted: 1 },
      { productId: B, name: 'Fries', available: 2, wanted: 3 },
    ]);
    assert.equal(error.code, Code.FAILED_PRECONDITION);
    assert.equal(error.details.reason, 'OUT_OF_STOCK');
    assert.match(error.message, /Cola \(0 left, 1 wanted\).*Fries \(2 left, 3 wanted\)/);
    assert.equal(error.details.metadata!.product_ids, `${A},${B}`);
    assert.deepEqual(
      error.details.preconditionViolations!.map((v) => v.subject),
      [`products/${A}`, `products/${B}`],
    );
  });
});
