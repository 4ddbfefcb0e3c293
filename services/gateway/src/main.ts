import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { runService } from '../../../platform/run-service';
import { gatewayConfig } from './config';
import { loadContracts } from './contracts';
import { startGateway } from './gateway';

export const SERVICE_NAME = 'gateway';

export function startGatewayFromEnv(config = loadConfig(gatewayConfig)) {
  return startGateway({ config, contracts: loadContracts(config.GATEWAY_DESCRIPTOR_SET), log: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
}

if (require.main === module) runService(SERVICE_NAME, () => startGatewayFromEnv());
