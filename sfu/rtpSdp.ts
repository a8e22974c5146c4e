import { SfuError } from './errors.ts';
import type { RtpParameters } from './types.ts';

/**
 * The SDP ffmpeg reads to receive one consumer's RTP on `port` (RTCP on port + 1). Only the first
 * (media) codec is described: RTX is not negotiated for plain consumers (recording, re-encoding).
 */
export function rtpSdp(kind: 'audio' | 'video', rtpParameters: RtpParameters, ip: string, port: number): string {
	const codec = rtpParameters.codecs[0];
	if (!codec) throw new SfuError('invalid', 'consumer has no codec');
	const [, name] = codec.mimeType.split('/');
	if (!name) throw new SfuError('invalid', `bad mime type ${codec.mimeType}`);
	const channels = kind === 'audio' ? `/${codec.channels ?? 2}` : '';
	const fmtp = Object.entries(codec.parameters ?? {})
		.map(([key, value]) => `${key}=${String(value)}`)
		.join(';');
	const lines = [
		'v=0',
		`o=- 0 0 IN IP4 ${ip}`,
		's=classbridge',
		`c=IN IP4 ${ip}`,
		't=0 0',
		`m=${kind} ${port} RTP/AVPF ${codec.payloadType}`,
		`a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`,
		...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
		'a=recvonly'
	];
	return `${lines.join('\r\n')}\r\n`;
}
