import { runService } from '../../../platform/run-service';
import { notificationsService } from './service';

runService(notificationsService);
