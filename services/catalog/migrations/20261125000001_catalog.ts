import type { Knex } from 'knex';
import { createOutboxTable } from '../../../platform/events/outbox';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('categories', (t) => {
    t.string('slug', 40).primary();
    t.string('name', 64).notNullable();
  });
  await knex.schema.createTable('products', (t) => {
    t.uuid('id').primary();
    t.string('name', 120).notNullable();
    t.text('description').notNullable();
    t.string('category', 40).notNullable().references('slug').inTable('categories');
    // Integer minor units: money is never a float.
    t.bigInteger('price_minor').notNullable();
    t.specificType('currency', 'char(3)').notNullable();
    t.integer('stock').notNullable();
    t.string('image_url', 512).notNullable().defaultTo('');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    // Every list is read in (name, id) order, with or without a category.
    t.index(['name', 'id']);
    t.index(['category', 'name', 'id']);
  });
  // Tags get their own table rather than a JSON column: search can then match
  // one tag at a time (a LIKE over JSON text also matches across tag
  // boundaries and quotes), an index serves exact tag look-ups, and it is the
  // same plain SQL on MySQL 8 and MariaDB, whose JSON types differ.
  await knex.schema.createTable('product_tags', (t) => {
    t.uuid('product_id').notNullable().references('id').inTable('products').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('tag', 32).notNullable();
    t.primary(['product_id', 'position']);
    t.index(['tag']);
  });
  await createOutboxTable(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox');
  await knex.schema.dropTable('product_tags');
  await knex.schema.dropTable('products');
  await knex.schema.dropTable('categories');
}
