import type { Knex } from 'knex';
import { SEED_CATEGORIES, SEED_PRODUCTS, SEEDED_AT } from './seed/catalog-seed';

/** The demo catalog: stable ids and timestamps, so every environment has the same products. */
export async function up(knex: Knex): Promise<void> {
  await knex('categories').insert(SEED_CATEGORIES);
  await knex('products').insert(
    SEED_PRODUCTS.map(({ tags: _tags, ...product }) => ({
      ...product,
      currency: 'EUR',
      image_url: '',
      created_at: SEEDED_AT,
      updated_at: SEEDED_AT,
    })),
  );
  await knex('product_tags').insert(SEED_PRODUCTS.flatMap(({ id, tags }) => tags.map((tag, position) => ({ product_id: id, position, tag }))));
}

export async function down(knex: Knex): Promise<void> {
  const ids = SEED_PRODUCTS.map((p) => p.id);
  await knex('product_tags').whereIn('product_id', ids).delete();
  await knex('products').whereIn('id', ids).delete();
  await knex('categories')
    .whereIn(
      'slug',
      SEED_CATEGORIES.map((c) => c.slug),
    )
    .whereNotExists(knex('products').select(knex.raw('1')).whereRaw('products.category = categories.slug'))
    .delete();
}
