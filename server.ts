import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, type NextHandler } from './signalling/app.ts';
import { loadConfig } from './signalling/config.ts';
import { moduleLogger } from './signalling/logger.ts';

const log = moduleLogger('server');

async function loadWebHandler(): Promise<NextHandler | undefined> {
	const handlerFile = path.resolve('build/handler.js');
	if (!existsSync(handlerFile)) {
		log.warn('no web build (build/handler.js): serving the API only; run `npm run build`');
		return undefined;
	}
	const mod = (await import(pathToFileURL(handlerFile).href)) as { handler: NextHandler };
	return mod.handler;
}

async function main(): Promise<void> {
	const config = loadConfig();
	const app = await createApp(config, await loadWebHandler());
	// Printed plainly (not only logged) so the first teacher finds the link, as Jupyter does.
	process.stdout.write(`\n  Classbridge is running at ${app.url}\n  Teacher/admin link (keep it private):\n  ${app.adminUrl}\n\n`);
	let closing = false;
	const shutdown = (signal: string) => {
		if (closing) return;
		closing = true;
		log.info({ signal }, 'shutting down');
		app.close().then(
			() => process.exit(0),
			() => process.exit(1)
		);
		setTimeout(() => process.exit(1), 5000).unref();
	};
	// A live lesson must not end because one static file vanished under a running server (e.g. a
	// rebuild): file-system errors from a request are logged; anything else still stops the process.
	process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
		if (error.code === 'ENOENT' || error.code === 'EPIPE' || error.code === 'ECONNRESET') {
			log.error({ err: error.message, code: error.code }, 'request-level error survived');
			return;
		}
		log.fatal({ err: error.message, stack: error.stack }, 'uncaught exception');
		process.exit(1);
	});
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: Error) => {
	log.fatal({ err: error.message }, 'failed to start');
	process.stderr.write(`classbridge: ${error.message}\n`);
	process.exit(1);
});
