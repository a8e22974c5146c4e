import { request } from 'node:http';

/** POST JSON from a chosen source address (node:http, since fetch cannot bind one). */
export function postJson(url: string, body: unknown, localAddress: string): Promise<{ status: number; json: unknown }> {
	const payload = JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{ method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					try {
						resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
					} catch (error) {
						reject(error as Error);
					}
				});
			}
		);
		req.on('error', reject);
		req.end(payload);
	});
}
