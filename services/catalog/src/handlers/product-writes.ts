import { randomUUID } from 'node:crypto';
import type { CreateProductRequest, CreateProductResponse, UpdateProductRequest, UpdateProductResponse } from '../../../../gen/ts/shop/catalog/v1/catalog';
import { notFound } from '../../../../platform/errors';
import { newProduct } from '../domain/product';
import { validateNewProduct, validateProductUpdate } from '../domain/product-rules';
import type { CatalogCache } from '../store/catalog-cache';
import type { ProductsStore } from '../store/products-store';

export function productWriteHandlers({ store, cache }: { store: ProductsStore; cache: CatalogCache }) {
  return {
    async createProduct(req: CreateProductRequest): Promise<CreateProductResponse> {
      const product = newProduct(randomUUID(), validateNewProduct(req), new Date());
      await store.insert(product);
      // Only after the commit: invalidating earlier lets a reader cache the old state again.
      await cache.productChanged(product.id);
      return { product };
    },

    async updateProduct(req: UpdateProductRequest): Promise<UpdateProductResponse> {
      const { id, changes } = validateProductUpdate(req);
      const result = await store.update(id, changes, new Date());
      if (!result) throw notFound('product', req.id);
      if (result.changed) await cache.productChanged(id);
      return { product: result.product };
    },
  };
}
