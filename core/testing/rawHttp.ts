import { connect } from 'node:net';

/** What came back for a raw request: the status line's code (0 when the connection closed without one) and the text. */
export interface RawReply {
	status: number;
	text: string;
}

/**
 * Writes bytes to the server as they are, with no client library in between to tidy the request
 * line, headers or body up, and reads until the server closes or `timeoutMs` passes.
 */
export function rawRequest(url: string, bytes: string | Buffer, timeoutMs = 3000): Promise<RawReply> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve) => {
		const socket = connect({ host: hostname, port: Number(port) });
		const chunks: Buffer[] = [];
		const finish = () => {
			clearTimeout(timer);
			socket.destroy();
			const text = Buffer.concat(chunks).toString('latin1');
			resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
		};
		const timer = setTimeout(finish, timeoutMs);
		socket.on('data', (chunk) => {
			chunks.push(chunk);
			// One whole answer is enough: stop once its body is in.
			const text = Buffer.concat(chunks).toString('latin1');
			const head = text.indexOf('\r\n\r\n');
			const length = /\r\ncontent-length: *(\d+)/i.exec(text);
			if (head >= 0 && length && Buffer.byteLength(text, 'latin1') >= head + 4 + Number(length[1])) finish();
		});
		socket.on('error', finish);
		socket.on('close', finish);
		socket.write(bytes);
	});
}
