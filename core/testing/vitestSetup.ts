import { createRequire } from 'node:module';

// A Redis command that fails where nobody awaits it (an unhandled "Connection is closed.") otherwise
// names only ioredis's socket handler; with this its error also carries the stack that sent it.
const require = createRequire(import.meta.url);
(require('ioredis/built/redis/RedisOptions') as { DEFAULT_REDIS_OPTIONS: { showFriendlyErrorStack: boolean } }).DEFAULT_REDIS_OPTIONS.showFriendlyErrorStack = true;
