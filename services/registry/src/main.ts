import { runService } from '../../../platform/run-service';
import { registryService } from './service';

runService(registryService);
