import { strict as assert } from 'node:assert';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { loadContracts } from './contracts';
import { badRequest, EdgeError, httpStatusOf, statusOf } from './status-mapping';

const { registry } = loadContracts();

describe("gRPC status → HTTP, as Envoy's transcoder maps it", () => {
  it('maps every code like Envoy', () => {
    const expected: [Code | 0, number][] = [
      [0, 200],
      [Code.Canceled, 499],
      [Code.Unknown, 500],
      [Code.InvalidArgument, 400],
      [Code.DeadlineExceeded, 504],
      [Code.NotFound, 404],
      [Code.AlreadyExists, 409],
      [Code.PermissionDenied, 403],
      [Code.ResourceExhausted, 429],
      [Code.FailedPrecondition, 400],
      [Code.Aborted, 409],
      [Code.OutOfRange, 400],
      [Code.Unimplemented, 501],
      [Code.Internal, 500],
      [Code.Unavailable, 503],
      [Code.DataLoss, 500],
      [Code.Unauthenticated, 401],
    ];
    for (const [code, http] of expected) assert.equal(httpStatusOf(code), http, `code ${code}`);
    assert.equal(httpStatusOf(99), 500);
  });

  it('renders google.rpc details from the wire into the google.rpc.Status JSON body, "@type" first', () => {
    const badRequestDesc = registry.getMessage('google.rpc.BadRequest')!;
    const bytes = toBinary(
      badRequestDesc,
      create(badRequestDesc, { fieldViolations: [{ field: 'email', description: 'must be a valid email address' }] } as never),
    );
    const error = new ConnectError('invalid email', Code.InvalidArgument);
    error.details.push({ type: 'google.rpc.BadRequest', value: bytes }, { type: 'acme.Unknown', value: new Uint8Array([1, 2]) });
    const { httpStatus, body } = statusOf(error, registry);
    assert.equal(httpStatus, 400);
    assert.deepEqual(body, {
      code: 3,
      message: 'invalid email',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field: 'email', description: 'must be a valid email address', reason: '' }],
        },
        { '@type': 'type.googleapis.com/acme.Unknown', value: 'AQI=' },
      ],
    });
    assert.deepEqual(Object.keys(body.details[0])[0], '@type');
  });

  it('lets the edge choose a more precise HTTP status (413) for its own refusals', () => {
    assert.equal(statusOf(new EdgeError('too large', Code.ResourceExhausted, 413), registry).httpStatus, 413);
    assert.deepEqual(statusOf(badRequest('bad'), registry), { httpStatus: 400, body: { code: 3, message: 'bad', details: [] } });
  });

  it('answers anything that is not a ConnectError as INTERNAL without its text', () => {
    assert.deepEqual(statusOf(new TypeError('secret SQL here'), registry), { httpStatus: 500, body: { code: 13, message: 'internal error', details: [] } });
  });
});
