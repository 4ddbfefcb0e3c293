import { runService } from '../../../platform/run-service';
import { usersService } from './service';

runService(usersService);
