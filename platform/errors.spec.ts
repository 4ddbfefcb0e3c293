import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { Status } from '../gen/ts/google/rpc/status';
import {
  alreadyExists,
  Code,
  ERROR_DOMAIN,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  RpcError,
  unauthenticated,
  unavailable,
  Violations,
} from './errors';

/** What a client sees: the status code, its message and the trailing metadata. */
const overTheWire = (error: RpcError) => RpcError.fromStatus(error.code, error.message, error.toMetadata());

describe('platform/errors', () => {
  describe('RpcError round trip through trailing metadata', () => {
    it('keeps code, message, field violations, reason, metadata and resource', () => {
      const sent = new RpcError(Code.INVALID_ARGUMENT, 'invalid email, quantity', {
        fieldViolations: [
          { field: 'email', description: 'must be an email address' },
          { field: 'items[0].quantity', description: 'must be at least 1' },
        ],
        reason: 'INVALID_ORDER',
        metadata: { limit: '10' },
        resource: { type: 'order', name: 'orders/42' },
      });
      const received = overTheWire(sent);
      assert.ok(received instanceof RpcError);
      assert.equal(received.code, Code.INVALID_ARGUMENT);
      assert.equal(received.message, 'invalid email, quantity');
      assert.deepEqual(received.details, sent.details);
    });

    it('keeps precondition violations', () => {
      const sent = new RpcError(Code.FAILED_PRECONDITION, 'out of stock', {
        preconditionViolations: [{ type: 'STOCK', subject: 'products/7', description: 'only 2 left' }],
      });
      assert.deepEqual(overTheWire(sent).details, sent.details);
    });

    it('stamps ErrorInfo with the shopmesh domain', () => {
      const status = Status.decode(notFound('product', 'p-1').toMetadata().get('grpc-status-details-bin')[0] as Buffer);
      assert.equal(status.code, Code.NOT_FOUND);
      const info = status.details.find((any) => any.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo');
      assert.ok(info, 'ErrorInfo packed as google.protobuf.Any');
      assert.ok(Buffer.from(info.value).includes(Buffer.from(ERROR_DOMAIN)));
    });

    it('packs no detail the error does not have', () => {
      const status = Status.decode(new RpcError(Code.ABORTED, 'conflict').toMetadata().get('grpc-status-details-bin')[0] as Buffer);
      assert.deepEqual(status.details, []);
      assert.deepEqual(overTheWire(new RpcError(Code.ABORTED, 'conflict')).details, {});
    });

    it('rebuilds a bare status when the callee sent no details', () => {
      const error = RpcError.fromStatus(Code.UNAVAILABLE, 'connection refused', new Metadata());
      assert.equal(error.code, Code.UNAVAILABLE);
      assert.equal(error.message, 'connection refused');
      assert.deepEqual(error.details, {});
      assert.deepEqual(RpcError.fromStatus(Code.INTERNAL, 'x').details, {});
    });

    it('ignores detail types it does not know', () => {
      const metadata = new Metadata();
      metadata.set(
        'grpc-status-details-bin',
        Buffer.from(
          Status.encode({
            code: Code.INTERNAL,
            message: 'boom',
            details: [{ typeUrl: 'type.googleapis.com/google.rpc.DebugInfo', value: Buffer.from([10, 3, 97, 98, 99]) }],
          }).finish(),
        ),
      );
      assert.deepEqual(RpcError.fromStatus(Code.INTERNAL, 'boom', metadata).details, {});
    });
  });

  describe('RpcError.from', () => {
    it('recognises only RpcError', () => {
      const rpc = unavailable('db down');
      assert.equal(RpcError.from(rpc), rpc);
      assert.equal(RpcError.from(new Error('x')), undefined);
      assert.equal(RpcError.from({ code: 14, message: 'look-alike' }), undefined);
    });
  });

  describe('helpers', () => {
    it('give each failure its code and a stable reason', () => {
      const cases: [RpcError, Code, string | undefined][] = [
        [invalidArgument([{ field: 'email', description: 'required' }]), Code.INVALID_ARGUMENT, 'INVALID_ARGUMENT'],
        [notFound('user', 'u-1'), Code.NOT_FOUND, 'USER_NOT_FOUND'],
        [alreadyExists('user', 'a@b.c', 'EMAIL_TAKEN'), Code.ALREADY_EXISTS, 'EMAIL_TAKEN'],
        [failedPrecondition('order paid', 'ORDER_PAID'), Code.FAILED_PRECONDITION, 'ORDER_PAID'],
        [unauthenticated(), Code.UNAUTHENTICATED, 'UNAUTHENTICATED'],
        [permissionDenied(), Code.PERMISSION_DENIED, 'PERMISSION_DENIED'],
        [unavailable('catalog down'), Code.UNAVAILABLE, 'DEPENDENCY_UNAVAILABLE'],
      ];
      for (const [error, code, reason] of cases) {
        assert.equal(error.code, code, error.message);
        assert.equal(error.details.reason, reason, error.message);
      }
    });

    it('name the resource of not-found and already-exists', () => {
      assert.deepEqual(notFound('user', 'u-1').details.resource, { type: 'user', name: 'u-1' });
      assert.equal(notFound('user', 'u-1').message, 'user u-1 not found');
      assert.deepEqual(alreadyExists('user', 'a@b.c', 'EMAIL_TAKEN').details.resource, { type: 'user', name: 'a@b.c' });
    });

    it('list the bad fields in the default invalid-argument message', () => {
      const error = invalidArgument([
        { field: 'email', description: 'required' },
        { field: 'password', description: 'too short' },
      ]);
      assert.equal(error.message, 'invalid email, password');
      assert.equal(invalidArgument([{ field: 'x', description: 'y' }], 'custom').message, 'custom');
    });
  });

  describe('Violations', () => {
    it('reports every bad field at once', () => {
      const violations = new Violations()
        .check(false, 'email', 'must be an email address')
        .check(true, 'display_name', 'never reported')
        .check(false, 'password', 'must have at least 8 characters')
        .add('phone', 'must be E.164');
      assert.throws(
        () => violations.throwIfAny(),
        (error: unknown) => {
          assert.ok(error instanceof RpcError);
          assert.equal(error.code, Code.INVALID_ARGUMENT);
          assert.deepEqual(error.details.fieldViolations, [
            { field: 'email', description: 'must be an email address' },
            { field: 'password', description: 'must have at least 8 characters' },
            { field: 'phone', description: 'must be E.164' },
          ]);
          return true;
        },
      );
    });

    it('throws nothing when every check passes', () => {
      assert.doesNotThrow(() => new Violations().check(true, 'email', 'required').throwIfAny());
    });
  });
});
