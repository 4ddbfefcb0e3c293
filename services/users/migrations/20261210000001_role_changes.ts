import type { Knex } from 'knex';

/**
 * The audit trail of roles: who made whom an admin (or took it back), when
 * and why. Written in the same transaction as the change itself, never
 * updated or deleted by the service.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('role_changes', (t) => {
    t.bigIncrements('id');
    t.string('user_id', 36).notNullable().index();
    t.string('role', 16).notNullable();
    t.string('previous_role', 16).notNullable();
    t.string('actor', 128).notNullable();
    t.string('reason', 255).notNullable();
    t.datetime('changed_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('role_changes');
}
