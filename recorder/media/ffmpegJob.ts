import { spawnTied } from '../../core/spawnTied.ts';
import { RecorderError } from './errors.ts';

/**
 * Runs one ffmpeg to completion, reporting how far it got (0..1 of `durationMs` of output) from its
 * -progress output. Rejects with the end of stderr when ffmpeg fails.
 */
export function runFfmpegJob(ffmpegPath: string, args: string[], durationMs: number, onProgress: (fraction: number) => void): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawnTied(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', ...args], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		const { stdout: progress, stderr: errors } = child;
		if (!progress || !errors) throw new RecorderError('ffmpeg', 'ffmpeg was started without its pipes');
		let stderr = '';
		let pending = '';
		progress.setEncoding('utf8');
		progress.on('data', (chunk: string) => {
			pending += chunk;
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				const match = /^out_time_us=(\d+)/.exec(line);
				if (match && durationMs > 0) onProgress(Math.min(1, Number(match[1]) / 1000 / durationMs));
			}
		});
		errors.setEncoding('utf8');
		errors.on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-4000);
		});
		child.once('error', (error) => reject(new RecorderError('ffmpeg', `cannot run ffmpeg: ${error.message}`)));
		child.once('exit', (code, signal) => {
			if (code === 0) {
				onProgress(1);
				resolve();
			} else reject(new RecorderError('ffmpeg', `ffmpeg failed (${signal ?? `code ${code}`}): ${stderr.trim().slice(-800)}`));
		});
	});
}
