/**
 * Logs one line through the server's logger with its default destination, then dies at once
 * (SIGKILL, as the OOM killer does): the line must already be on stdout.
 */
import { createLogger } from '../../../src/server/logging.js';

createLogger('info').info({ parent: 'ns1/h' }, 'last words');
process.kill(process.pid, 'SIGKILL');
