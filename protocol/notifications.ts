import type { ActiveSpeaker, ChatMessage, LessonSnapshot, MediaSource, NetworkQuality } from './state.ts';
import type { JsonObject } from './requests.ts';
import type { PollInfo, PollResultsNotice } from './polls.ts';
import type { ClassList } from './classList.ts';

/** Server → client messages (socket.emit(name, payload), no ack). Built by the server. */
export interface ConsumerOffer {
	consumerId: string;
	producerId: string;
	participantId: string;
	classroomId: string | null;
	source: MediaSource;
	kind: 'audio' | 'video';
	rtpParameters: JsonObject;
	/** 'simulcast' consumers can change layers. */
	type: string;
	producerPaused: boolean;
}

export interface ServerNotifications {
	'lesson.snapshot': LessonSnapshot;
	'chat.message': ChatMessage;
	'media.consumer': ConsumerOffer;
	'media.consumerClosed': { consumerId: string };
	'media.consumerLayers': { consumerId: string; spatialLayer: number | null; temporalLayer: number | null };
	'media.consumerPaused': { consumerId: string; paused: boolean };
	/** The SFU lost this lesson's media (worker died): drop transports and rejoin media. */
	'media.reset': { reason: 'worker_died' | 'replaced' };
	'network.quality': NetworkQuality[];
	'speaker.active': ActiveSpeaker;
	/** Another connection with the same identity took over; this one stops reconnecting. */
	'session.replaced': Record<string, never>;
	/**
	 * Live poll results, at most every 100 ms per lesson (the last change always follows):
	 * view 'full' to the teacher and observers, view 'classroom' to each classroom's assistants.
	 */
	'polls.results': PollResultsNotice;
	/** Teacher: every poll of the lesson after any of them changed (prepared, opened, closed, revealed). */
	'polls.list': PollInfo[];
	/** Teacher and the room's assistants: the class list after a change. */
	'classList.updated': ClassList;
	/** The teacher ended the lesson; the server disconnects this socket right after. */
	'lesson.ended': { at: number };
}

export type NotificationName = keyof ServerNotifications;
