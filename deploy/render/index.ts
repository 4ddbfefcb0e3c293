import { renderCompose } from './compose';
import { renderEnvoy } from './envoy';
import { renderKubernetes } from './kubernetes';
import { renderMysqlInit } from './mysql-init';
import { renderPrometheus } from './prometheus';
import type { Renderer } from './rendered-file';

/**
 * Every deployment file derived from services/manifest.ts and the contracts, written
 * under gen/deploy/ by `npm run generate` (scripts/render-deploy.ts). The per-service
 * parts live nowhere else: adding a service to the manifest adds it everywhere.
 */
export const RENDERERS: Record<string, Renderer> = {
  envoy: renderEnvoy,
  compose: renderCompose,
  kubernetes: renderKubernetes,
  prometheus: renderPrometheus,
  'mysql-init': renderMysqlInit,
};
