import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchClips {
	/** Teacher: 960x540 25 fps VP8 about 1.2 Mbit/s (key frame every 2 s) + Opus; flash and beep each second. */
	teacher: string;
	/** Screen: 1280x720 5 fps VP8 about 400 kbit/s. */
	screen: string;
	/** A classroom microphone: Opus, a low tone that swells and fades like a voice. */
	classroom: string;
}

const FLASH = "drawbox=x=0:y=0:w=iw:h=ih:c=white:t=fill:enable='lt(mod(t,1),0.1)'";
const BEEP = "volume=volume=0:enable='gte(mod(t,1),0.1)'";

/**
 * Encodes the bench's sources once (30 s each, a whole number of seconds so a loop keeps the
 * once-a-second pattern), so that during the run they are only copied to RTP and cost next to nothing.
 */
export async function encodeClips(dir: string, seconds = 30): Promise<BenchClips> {
	const clips: BenchClips = { teacher: path.join(dir, 'teacher.webm'), screen: path.join(dir, 'screen.webm'), classroom: path.join(dir, 'classroom.webm') };
	const vp8 = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0'];
	const opus = ['-c:a', 'libopus', '-b:a', '32k', '-ac', '2', '-application', 'voip'];
	const ffmpeg = (args: string[]) => run('/usr/bin/ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
	await ffmpeg([
		'-f', 'lavfi', '-i', `testsrc2=s=960x540:r=25,${FLASH},format=yuv420p`,
		'-f', 'lavfi', '-i', `sine=f=2000:r=48000,${BEEP}`,
		'-t', String(seconds), ...vp8, '-b:v', '1200k', '-g', '50', '-keyint_min', '50', ...opus, clips.teacher
	]);
	await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=1280x720:r=5,format=yuv420p', '-t', String(seconds), ...vp8, '-b:v', '400k', '-g', '10', clips.screen]);
	await ffmpeg(['-f', 'lavfi', '-i', "sine=f=220:r=48000,volume=volume='0.5-0.5*cos(2*PI*t/6)':eval=frame", '-t', String(seconds), ...opus, clips.classroom]);
	return clips;
}
