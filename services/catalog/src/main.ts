import { runService } from '../../../platform/run-service';
import { catalogService } from './service';

runService(catalogService);
