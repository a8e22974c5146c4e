import { pino, type Logger } from 'pino';

const root = pino({
	level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
	base: undefined,
	redact: { paths: ['token', '*.token', 'secret', '*.secret', 'auth.token'], censor: '[redacted]' }
});

/** One child logger per module: `const log = moduleLogger('sfu:worker-pool')`. */
export function moduleLogger(module: string): Logger {
	return root.child({ module });
}
