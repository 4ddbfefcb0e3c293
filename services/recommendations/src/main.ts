import { runService } from '../../../platform/run-service';
import { recommendationsService } from './service';

runService(recommendationsService);
