/** Capturing local devices. Every function returns a fresh track the caller owns. */

export async function captureMic(deviceId?: string): Promise<MediaStreamTrack> {
	const stream = await navigator.mediaDevices.getUserMedia({
		audio: {
			deviceId: deviceId ? { exact: deviceId } : undefined,
			echoCancellation: true,
			noiseSuppression: true,
			autoGainControl: true
		}
	});
	return firstTrack(stream, 'audio');
}

export async function captureCamera(deviceId?: string): Promise<MediaStreamTrack> {
	// 1280x720 lets the encoder produce every simulcast layer (smaller captures drop the top one).
	const stream = await navigator.mediaDevices.getUserMedia({
		video: {
			deviceId: deviceId ? { exact: deviceId } : undefined,
			width: { ideal: 1280 },
			height: { ideal: 720 },
			frameRate: { ideal: 30 }
		}
	});
	return firstTrack(stream, 'video');
}

export async function captureScreen(): Promise<MediaStreamTrack> {
	const stream = await navigator.mediaDevices.getDisplayMedia({
		video: { frameRate: { ideal: 5, max: 5 } },
		audio: false
	});
	const track = firstTrack(stream, 'video');
	// Keep text sharp rather than smooth: the encoder drops frames before resolution.
	track.contentHint = 'detail';
	return track;
}

export interface DeviceLists {
	mics: MediaDeviceInfo[];
	cameras: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
	if (!navigator.mediaDevices?.enumerateDevices) return { mics: [], cameras: [] };
	const all = await navigator.mediaDevices.enumerateDevices();
	return {
		mics: all.filter((d) => d.kind === 'audioinput' && d.deviceId !== ''),
		cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId !== '')
	};
}

function firstTrack(stream: MediaStream, kind: 'audio' | 'video'): MediaStreamTrack {
	const track = kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
	if (!track) throw new Error(`no ${kind} track`);
	return track;
}
