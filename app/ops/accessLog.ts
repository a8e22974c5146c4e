import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { moduleLogger } from '../../core/logger.ts';

/** Query parameters that carry a credential: lesson (`t`), admin (`token`), media (`m`) and device tokens. */
const SECRET_PARAMS = /^(t|token|m|deviceToken|secret|key)$/i;

/** The request target with every credential in its query replaced, so that logs never hold a token. */
export function redactTarget(target: string | undefined): string {
	const raw = String(target ?? '');
	const q = raw.indexOf('?');
	if (q < 0) return raw.slice(0, 400);
	const query = raw
		.slice(q + 1)
		.split('&')
		.map((pair) => {
			const eq = pair.indexOf('=');
			const name = eq < 0 ? pair : pair.slice(0, eq);
			let decoded = name;
			try {
				decoded = decodeURIComponent(name);
			} catch {
				// a malformed name is logged as sent; it is not a credential we know
			}
			return eq >= 0 && SECRET_PARAMS.test(decoded) ? `${name}=[redacted]` : pair;
		})
		.join('&');
	return `${raw.slice(0, q)}?${query}`.slice(0, 400);
}

/**
 * The access log (pino-http): one line per request with method, target (credentials redacted),
 * status, duration and client address. Headers are not logged at all, so neither Authorization nor
 * cookies can reach the log; health probes and scrapes log at debug, to keep the log readable.
 */
export function createAccessLog(): HttpLogger {
	return pinoHttp({
		logger: moduleLogger('access'),
		quietReqLogger: true,
		wrapSerializers: false,
		serializers: {
			req: (req: IncomingMessage & { raw?: IncomingMessage }) => {
				const raw = req.raw ?? req;
				return { method: raw.method, url: redactTarget(raw.url), remoteAddress: raw.socket?.remoteAddress, userAgent: raw.headers?.['user-agent']?.slice(0, 200) };
			},
			res: (res: ServerResponse & { raw?: ServerResponse }) => ({ statusCode: (res.raw ?? res).statusCode })
		},
		customLogLevel(req, res, error) {
			const path = String(req.url ?? '').split('?')[0];
			if (error || res.statusCode >= 500) return 'error';
			if (path === '/healthz' || path === '/metrics') return 'debug';
			return 'info';
		},
		customSuccessMessage: (req, res) => `${req.method} ${res.statusCode}`,
		customErrorMessage: (req, res) => `${req.method} ${res.statusCode}`
	});
}
