import { runService } from '../../../platform/run-service';
import { paymentsService } from './service';

runService(paymentsService);
