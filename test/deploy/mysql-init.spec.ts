/**
 * MySQL's init script as rendered (deploy/render/mysql-init.ts: infra/mysql/init/service-schema.sh
 * and one line per service with a database), run for real, the way the mysql image runs it
 * (sourced by a bash that provides docker_process_sql, with `set -e`), against this machine's
 * MariaDB/MySQL as root (MYSQL_URL, default mysql://root@127.0.0.1:3306). The schemas get
 * names of their own (`<NAME>_DB_NAME`, which the script honours), so a developer's databases
 * are never touched. Rendered for the manifest, and for the manifest with one more service.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { type DeployEntry, deployedService, MANIFEST_ENTRIES } from '../../deploy/render/model';
import { renderMysqlInit } from '../../deploy/render/mysql-init';
import { ADDED, ENTRIES_WITH_ADDED } from './added-service';
import { bash } from './tools';

const adminUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** `shopmesh_service_schema "${<NAME>_DB_NAME:-<default>}" "${<NAME>_DB_PASSWORD:?...}"` lines. */
function scriptLines(text: string) {
  const lines = [...text.matchAll(/^shopmesh_service_schema "\$\{([A-Z0-9_]+)_DB_NAME:-([a-z0-9_]+)\}" "\$\{([A-Z0-9_]+)_DB_PASSWORD:\?[^}]*\}"$/gm)];
  return lines.map((m) => ({ prefix: m[1], schema: m[2], passwordPrefix: m[3] }));
}

function connection(url: string, user?: { name: string; password: string }, database?: string) {
  const parsed = new URL(url);
  return mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: user?.name ?? decodeURIComponent(parsed.username || 'root'),
    password: user ? user.password : decodeURIComponent(parsed.password),
    database,
    multipleStatements: true,
  });
}

const extraSchema = deployedService(ADDED).database!.schema;
const cases: [string, DeployEntry[]][] = [
  ['gen/deploy/mysql/10-service-schemas.sh', MANIFEST_ENTRIES],
  [`gen/deploy/mysql/10-service-schemas.sh with one more service (a made-up "${ADDED.name}")`, ENTRIES_WITH_ADDED],
];

cases.forEach(([title, services], index) =>
  describe(title, function () {
    this.timeout(60_000);
    const [rendered] = renderMysqlInit(services);
    const lines = scriptLines(rendered.content);
    const run = `dtest${process.pid}n${index}`;
    const schemas = lines.map((line) => ({
      ...line,
      name: `${run}_${line.schema.replace(/^shop_/, '')}`,
      password: `pw-${line.prefix.toLowerCase()}-0123456789abcdef`,
    }));
    let dir: string;
    let script: string;

    /** Runs the script like the image's entrypoint does; SQL goes to the admin connection. */
    function runScript(env: Record<string, string>) {
      const runner = join(dir, 'run-sql.js');
      writeFileSync(
        runner,
        `
      const mysql = require(${JSON.stringify(require.resolve('mysql2/promise'))});
      let sql = ''; process.stdin.on('data', (c) => (sql += c)).on('end', async () => {
        const url = new URL(process.env.ADMIN_URL);
        const db = await mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || 'root'), password: decodeURIComponent(url.password), multipleStatements: true });
        try { await db.query(sql); } catch (e) { console.error(e.message); process.exitCode = 1; } finally { await db.end(); }
      });`,
      );
      return bash(`set -Eeo pipefail; docker_process_sql() { node "${runner}"; }; source "${script}"`, {
        PATH: process.env.PATH,
        ADMIN_URL: adminUrl,
        ...env,
      });
    }
    const envFor = (list: typeof schemas) =>
      Object.fromEntries(
        list.flatMap((s) => [
          [`${s.prefix}_DB_NAME`, s.name],
          [`${s.passwordPrefix}_DB_PASSWORD`, s.password],
        ]),
      );

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'shopmesh-mysql-init-'));
      script = join(dir, '10-service-schemas.sh');
      writeFileSync(script, rendered.content);
    });

    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      const admin = await connection(adminUrl);
      try {
        for (const schema of schemas) {
          await admin.query(`DROP DATABASE IF EXISTS \`${schema.name}\``);
          await admin.query(`DROP USER IF EXISTS '${schema.name}'@'%'`);
        }
      } finally {
        await admin.end();
      }
    });

    it('has a schema and a user for every service with a database, named as the service expects', () => {
      assert.equal(rendered.path, 'mysql/10-service-schemas.sh', 'docker-compose.yml mounts gen/deploy/mysql');
      const withDatabase = services.map(deployedService).filter((s) => s.database);
      assert.equal(lines.length, withDatabase.length, 'one line per service with a database, and no other');
      if (services !== MANIFEST_ENTRIES)
        assert.ok(
          lines.some((l) => l.schema === extraSchema),
          `no schema ${extraSchema}`,
        );
      for (const service of withDatabase) {
        const line = lines.find((l) => `${l.prefix}_DB_NAME` === service.database!.variable);
        assert.ok(line, `the init script creates no schema for ${service.name} (${service.database!.variable})`);
        assert.equal(line.schema, service.database!.schema, `${service.name}: the script's default schema must be the service's`);
        assert.equal(`${line.passwordPrefix}_DB_PASSWORD`, service.database!.passwordVariable);
      }
    });

    it('refuses a password that is short or not URL-safe, before creating anything', async () => {
      const weak = schemas.map((s, i) => (i === 0 ? { ...s, password: "it's" } : s));
      const result = runScript(envFor(weak));
      assert.notEqual(result.status, 0, 'the script accepted a weak password');
      assert.match(result.stderr, /password/);
      const admin = await connection(adminUrl);
      try {
        const [rows] = await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schemas[0].name]);
        assert.equal((rows as unknown[]).length, 0);
      } finally {
        await admin.end();
      }
    });

    it('creates each schema with a user that may use it and no other', async () => {
      const result = runScript(envFor(schemas));
      assert.equal(result.status, 0, `the init script failed:\n${result.stderr}`);
      for (const own of schemas) {
        const db = await connection(adminUrl, { name: own.name, password: own.password }, own.name);
        try {
          await db.query(
            'CREATE TABLE probe (id INT PRIMARY KEY); INSERT INTO probe VALUES (1); ALTER TABLE probe ADD COLUMN note VARCHAR(10); DROP TABLE probe',
          );
          for (const other of schemas.filter((s) => s !== own)) {
            await assert.rejects(db.query(`CREATE TABLE \`${other.name}\`.probe (id INT)`), /denied/i, `${own.name} can write into ${other.name}`);
          }
          await assert.rejects(db.query(`CREATE DATABASE \`${run}_intruder\``), /denied/i, `${own.name} can create databases`);
        } finally {
          await db.end();
        }
      }
    });

    it('can run again over what it created (the image runs it once, by hand it may run twice)', () => {
      const result = runScript(envFor(schemas));
      assert.equal(result.status, 0, result.stderr);
    });
  }),
);
