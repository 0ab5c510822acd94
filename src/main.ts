import { exitOnStartupError, runService } from './service.js';

runService().catch(exitOnStartupError);
