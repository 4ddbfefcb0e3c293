import { runService } from '../../../platform/run-service';
import { ordersService } from './service';

runService(ordersService);
