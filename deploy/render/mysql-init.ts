/**
 * MySQL's init script (gen/deploy/mysql/10-service-schemas.sh): the hand-written
 * infra/mysql/init/service-schema.sh (the function that creates one schema and its own user,
 * names no service) followed by one call per service of services/manifest.ts with a
 * database. docker-compose.yml mounts gen/deploy/mysql at /docker-entrypoint-initdb.d.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeployEntry, deployedService, MANIFEST_ENTRIES, root } from './model';
import { generatedHeader, type RenderedFile } from './rendered-file';

export const SERVICE_SCHEMA_FUNCTION = join(root, 'infra', 'mysql', 'init', 'service-schema.sh');

export function renderMysqlInit(services: DeployEntry[] = MANIFEST_ENTRIES): RenderedFile[] {
  const library = readFileSync(SERVICE_SCHEMA_FUNCTION, 'utf8').replace(/^#!.*\n/, '');
  const calls = services.map(deployedService).flatMap(({ database }) => {
    if (!database) return [];
    const { variable, schema, passwordVariable } = database;
    // <NAME>_DB_NAME may rename the schema (the deployment tests do); the default is the service's.
    return [`shopmesh_service_schema "\${${variable}:-${schema}}" "\${${passwordVariable}:?set ${passwordVariable} (npm run compose:env)}"`];
  });
  const content = [
    '#!/bin/bash',
    generatedHeader('mysql-init.ts').trimEnd(),
    '# From infra/mysql/init/service-schema.sh, then one line per service with a database.',
    library.trimEnd(),
    '',
    '# ---- one schema and user per service with a database (services/manifest.ts) ----',
    ...calls,
    '',
  ].join('\n');
  return [{ path: 'mysql/10-service-schemas.sh', content }];
}
