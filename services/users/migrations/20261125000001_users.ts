import type { Knex } from 'knex';
import { createOutboxTable } from '../../../platform/events/outbox';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 36).primary();
    t.string('email', 254).notNullable().unique();
    t.string('password_hash', 255).notNullable();
    t.string('display_name', 64).notNullable();
    // AES-256-GCM ciphertexts (v1:...); never clear text.
    t.text('phone_enc').nullable();
    t.text('address_enc').nullable();
    t.string('role', 16).notNullable().defaultTo('customer');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await createOutboxTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox');
  await knex.schema.dropTable('users');
}
