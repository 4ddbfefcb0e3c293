import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import knex from 'knex';
import { createLogger } from '../../platform/logger';
import { errorInterceptor } from '../../platform/rpc/server-interceptors';
import { databaseErrorMasking, mysqlTracing } from '../../platform/span-privacy';
import { dropDatabases } from '../support/databases';
import { testDatabase } from '../support/service-config';

/** What must never appear in a log line or a span. */
const secrets = {
  email: `ada-${randomUUID().slice(0, 8)}@example.com`,
  passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaGhhc2hoYXNo',
  phone: '+34 600 111 222',
  address: 'Calle Mayor 1',
  token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl',
};

function assertNoSecret(text: string, where: string) {
  for (const [name, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${where} holds the ${name}: ${text.slice(0, 500)}`);
}

describe('no personal data or secrets in logs, errors or spans', function () {
  this.timeout(20_000);
  const database = testDatabase('privacy');
  let db: ReturnType<typeof knex>;

  before(async () => {
    const admin = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root' } });
    await admin.raw(`CREATE DATABASE \`${database}\``);
    await admin.destroy();
    db = knex({ client: 'mysql2', connection: { host: '127.0.0.1', user: 'root', database } });
    await db.schema.createTable('users', (t) => {
      t.string('email').primary();
      t.string('password_hash');
      t.text('phone');
    });
  });
  after(async () => {
    await db?.destroy();
    await dropDatabases('mysql://root@127.0.0.1:3306', [database]);
  });

  it('logs a failing insert without its values, and answers INTERNAL without them', async () => {
    const row = { email: secrets.email, password_hash: secrets.passwordHash, phone: secrets.phone };
    await db('users').insert(row);
    const insertAgain = async () => db('users').insert(row);
    const failure = await insertAgain().catch((error: unknown) => error as Error);
    assert.ok(failure instanceof Error && failure.message.includes(secrets.email), 'knex puts the values into the message');

    const lines: string[] = [];
    const log = createLogger('privacy-test', 'debug', new Writable({ write: (chunk, _e, done) => done(void lines.push(chunk.toString())) }));
    const ctx = {
      service: 's',
      method: 'Register',
      kind: 'unary' as const,
      access: 'public' as const,
      metadata: new Metadata(),
      signal: new AbortController().signal,
      log,
    };
    const answer = await errorInterceptor(insertAgain)(undefined, ctx).then(
      () => assert.fail('expected a failure'),
      (error: unknown) => error as Error,
    );
    assertNoSecret(answer.message, 'the answer');
    assert.equal(lines.length, 1);
    assertNoSecret(lines[0], 'the log line');
    const logged = JSON.parse(lines[0]);
    assert.equal(logged.err.code, 'ER_DUP_ENTRY', 'the error keeps what an operator needs');
    assert.match(logged.err.message, /insert into `users`/);
  });

  it('redacts personal data and tokens when a whole request is logged', () => {
    const lines: string[] = [];
    const log = createLogger('privacy-test', 'debug', new Writable({ write: (chunk, _e, done) => done(void lines.push(chunk.toString())) }));
    log.info({ request: { email: secrets.email, password: 'pw', phone: secrets.phone, address: secrets.address }, accessToken: secrets.token }, 'register');
    log.info({ response: { accessToken: secrets.token, user: { email: secrets.email } }, authorization: `Bearer ${secrets.token}` }, 'login');
    log.info({ changes: { phone_enc: 'v1:abc', address: secrets.address } }, 'profile update');
    for (const line of lines) assertNoSecret(line, 'a log line');
  });

  it('masks values in database statements and error statuses on spans', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [databaseErrorMasking, new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer('test').startSpan('INSERT', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'mysql',
        'db.query.text': mysqlTracing.maskStatementHook(`insert into \`users\` (\`email\`) values ('${secrets.email}')`),
      },
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `Duplicate entry '${secrets.email}' for key 'PRIMARY'` });
    span.end();
    const [exported] = exporter.getFinishedSpans();
    assertNoSecret(JSON.stringify({ attributes: exported.attributes, status: exported.status }), 'the span');
    assert.equal(exported.status.message, 'Duplicate entry ? for key ?');
    assert.equal(exported.attributes['db.query.text'], 'insert into `users` (`email`) values (?)');
    assert.equal(mysqlTracing.maskStatement, true);
  });
});
