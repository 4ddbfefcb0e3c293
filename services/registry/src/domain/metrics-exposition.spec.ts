import assert from 'node:assert/strict';
import { parseExposition } from './metrics-exposition';

const text = `# HELP grpc_server_handled_total RPCs completed on the server, by status code.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_service="shop.users.v1.UsersService",grpc_method="Register",grpc_type="unary",grpc_code="OK",service="users"} 12
grpc_server_handled_total{grpc_service="shop.users.v1.UsersService",grpc_method="Register",grpc_type="unary",grpc_code="INVALID_ARGUMENT",service="users"} 3 1764000000000

# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{service="users"} 0.52
up 1
odd_label{path="a \\"quoted\\" \\\\ back\\nslash"} 2
nan_metric NaN
inf_bucket{le="+Inf"} +Inf
broken{unterminated="x} 1
broken_value{a="b"} abc
`;

describe('registry domain: metrics exposition', () => {
  it('reads samples with their labels and values, skipping comments', () => {
    const samples = parseExposition(text, (name) => name === 'grpc_server_handled_total');
    assert.deepEqual(samples, [
      {
        name: 'grpc_server_handled_total',
        labels: { grpc_service: 'shop.users.v1.UsersService', grpc_method: 'Register', grpc_type: 'unary', grpc_code: 'OK', service: 'users' },
        value: 12,
      },
      {
        name: 'grpc_server_handled_total',
        labels: { grpc_service: 'shop.users.v1.UsersService', grpc_method: 'Register', grpc_type: 'unary', grpc_code: 'INVALID_ARGUMENT', service: 'users' },
        value: 3,
      },
    ]);
  });

  it('reads samples without labels, escaped label values and special values', () => {
    const byName = Object.fromEntries(parseExposition(text).map((s) => [s.name, s]));
    assert.equal(byName.up.value, 1);
    assert.deepEqual(byName.up.labels, {});
    assert.equal(byName.odd_label.labels.path, 'a "quoted" \\ back\nslash');
    assert.ok(Number.isNaN(byName.nan_metric.value));
    assert.equal(byName.inf_bucket.value, Infinity);
  });

  it('skips lines it cannot read instead of failing the scrape', () => {
    const names = parseExposition(text).map((s) => s.name);
    assert.ok(!names.includes('broken'));
    assert.ok(!names.includes('broken_value'));
  });
});
