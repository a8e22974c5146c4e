import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, type App, type NextHandler } from './app.ts';
import { loadConfig } from './config.ts';
import { moduleLogger } from '../core/logger.ts';
import { InvariantError } from '../core/errors.ts';
import { EscapeCounter } from './EscapeCounter.ts';

/** More escaped errors than this within the window: the process is broken, not one request. */
const ESCAPE_STORM = { count: 100, windowMs: 10_000 };

const log = moduleLogger('server');

/** Other machines need HTTPS for camera and microphone: the link, and for a self-signed certificate how to trust it. */
function httpsBanner(https: NonNullable<App['https']>): string {
	const lines = [``, `  From other machines (camera and microphone need HTTPS): ${https.url}`];
	if (https.tls.selfSigned) {
		lines.push(
			`  Self-signed certificate ${https.tls.certFile}`,
			`  SHA-256 fingerprint ${https.tls.fingerprint256}`,
			`  Browsers warn once: check that the fingerprint they show is this one, or install the certificate`,
			`  as trusted on each device; production uses a real certificate (TLS_CERT/TLS_KEY, or deploy/Caddyfile).`
		);
	}
	return `${lines.join('\n')}\n`;
}

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
	process.stdout.write(`\n  Classbridge is running at ${app.url}\n  Teacher/admin link (keep it private):\n  ${app.adminUrl}\n`);
	if (app.https) process.stdout.write(httpsBanner(app.https));
	process.stdout.write('\n');
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
	// One failed request must never end every lesson on the node: whatever escapes a request is
	// logged and counted, and the node goes on. A broken invariant, or a storm of escapes that says
	// the process itself is broken, stops it loudly for the service manager to restart.
	const escapes = new EscapeCounter(ESCAPE_STORM.count, ESCAPE_STORM.windowMs);
	const onEscape = (kind: string) => (error: unknown) => {
		const err = error as Error;
		if (error instanceof InvariantError || escapes.add(Date.now())) {
			log.fatal({ kind, err: err?.message, stack: err?.stack }, 'stopping: broken invariant or error storm');
			process.exit(1);
		}
		log.error({ kind, err: err?.message, code: (err as NodeJS.ErrnoException)?.code, stack: err?.stack }, 'error outside any request handler; still running');
	};
	process.on('uncaughtException', onEscape('uncaught exception'));
	process.on('unhandledRejection', onEscape('unhandled rejection'));
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: Error) => {
	log.fatal({ err: error.message }, 'failed to start');
	process.stderr.write(`classbridge: ${error.message}\n`);
	process.exit(1);
});
