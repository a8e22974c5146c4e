import { z } from 'zod';
import { IdSchema, PROTOCOL_VERSION } from './common.ts';
import type { LessonSnapshot, Participant, ChatMessage } from './state.ts';
import { SurfaceViewSchema, type BlankBoard } from './surface.ts';
import { PollAnswerSchema, PollSpecSchema, POLL_LIMITS, type PollAnswerResult, type PollInfo, type PollsState } from './polls.ts';
import { ReplayControlSchema, type PlaybackState } from './classReplay.ts';
import { ClassroomRefSchema, StudentNameSchema, type ClassList } from './classList.ts';

/**
 * Client → server requests. Each is sent as `socket.emit(name, payload, ack)` and answered with
 * an `Ack<Response>`. The server parses every payload with the schema below before anything else.
 */

const FingerprintSchema = z.object({
	algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
	value: z.string().min(1).max(200)
});

export const DtlsParametersSchema = z.object({
	role: z.enum(['auto', 'client', 'server']).optional(),
	fingerprints: z.array(FingerprintSchema).min(1).max(8)
});

const CodecSchema = z.looseObject({
	mimeType: z.string().min(3).max(64),
	payloadType: z.number().int().min(0).max(127),
	clockRate: z.number().int().positive(),
	channels: z.number().int().positive().max(8).optional(),
	parameters: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
	rtcpFeedback: z.array(z.looseObject({ type: z.string().max(32), parameter: z.string().max(32).optional() })).max(16).optional()
});

export const RtpParametersSchema = z.looseObject({
	mid: z.string().max(32).optional(),
	codecs: z.array(CodecSchema).min(1).max(16),
	headerExtensions: z.array(z.looseObject({ uri: z.string().max(200), id: z.number().int() })).max(16).optional(),
	encodings: z.array(z.looseObject({})).max(4).optional(),
	rtcp: z.looseObject({}).optional()
});

export const RtpCapabilitiesSchema = z.looseObject({
	codecs: z.array(z.looseObject({ mimeType: z.string().max(64), kind: z.enum(['audio', 'video']) })).max(64).optional(),
	headerExtensions: z.array(z.looseObject({})).max(64).optional()
});

const TransportIdSchema = z.uuid();
const Empty = z.object({}).strict();

export const Requests = {
	/** First request after connecting: returns the lesson and the router's capabilities. */
	'lesson.join': z.object({
		protocol: z.literal(PROTOCOL_VERSION),
		displayName: z.string().trim().min(1).max(40).optional()
	}),
	'media.createTransport': z.object({ direction: z.enum(['send', 'recv']) }),
	'media.connectTransport': z.object({ transportId: TransportIdSchema, dtlsParameters: DtlsParametersSchema }),
	'media.restartIce': z.object({ transportId: TransportIdSchema }),
	/** The client's device capabilities; the server then starts sending it consumers. */
	'media.ready': z.object({ rtpCapabilities: RtpCapabilitiesSchema }),
	'media.produce': z.object({
		transportId: TransportIdSchema,
		kind: z.enum(['audio', 'video']),
		source: z.enum(['mic', 'camera', 'screen']),
		rtpParameters: RtpParametersSchema,
		paused: z.boolean().default(false)
	}),
	'media.closeProducer': z.object({ producerId: z.uuid() }),
	'media.pauseProducer': z.object({ producerId: z.uuid(), paused: z.boolean() }),
	'media.resumeConsumer': z.object({ consumerId: z.uuid() }),
	'media.setPreferredLayers': z.object({
		consumerId: z.uuid(),
		spatialLayer: z.number().int().min(0).max(2),
		temporalLayer: z.number().int().min(0).max(2).optional()
	}),
	'media.setAudioOnly': z.object({ classroomId: IdSchema, audioOnly: z.boolean() }),
	'stage.set': z.object({ classroomId: IdSchema.nullable() }),
	'hand.raise': Empty,
	/** Without participantId: lower your own hand. */
	'hand.lower': z.object({ participantId: IdSchema.optional() }).strict(),
	'chat.send': z.object({ text: z.string().trim().min(1).max(500) }).strict(),
	'chat.setMuted': z.object({ muted: z.boolean() }).strict(),
	/** What every classroom shows: a deck page, a blank board, or nothing (the teacher's video). */
	'surface.show': z.object({ view: SurfaceViewSchema }).strict(),
	'board.addBlank': Empty,
	/** Grant (canDraw) or revoke drawing for a classroom device, an assistant or a student. */
	'board.setDrawer': z.object({ participantId: IdSchema, canDraw: z.boolean() }).strict(),
	/** Removes every shape on one board (a deck page or a blank board). */
	'board.clear': z.object({ boardId: IdSchema }).strict(),
	/** Whether students may write: not at all, questions to the teacher (and their assistant), or the chat. */
	'lesson.setStudentChat': z.object({ mode: z.enum(['off', 'questions', 'chat']) }).strict(),
	/** Prepares a poll for later (a draft), or with pollId replaces a draft. */
	'poll.prepare': z.object({ pollId: IdSchema.optional(), spec: PollSpecSchema }).strict(),
	/** Deletes a prepared poll that was never opened. */
	'poll.discard': z.object({ pollId: IdSchema }).strict(),
	/** Opens a prepared poll, or a new one ad hoc. One poll is open at a time. */
	'poll.open': z.union([z.object({ pollId: IdSchema }).strict(), z.object({ spec: PollSpecSchema }).strict()]),
	'poll.close': z.object({ pollId: IdSchema }).strict(),
	/** Shows a closed poll's results and right answer on every screen and phone. */
	'poll.reveal': z.object({ pollId: IdSchema }).strict(),
	/** Takes a closed poll off the screens. */
	'poll.dismiss': z.object({ pollId: IdSchema }).strict(),
	'poll.answer': z.object({ pollId: IdSchema, answer: PollAnswerSchema }).strict(),
	/** A room's show of hands, one count per option; replaces that room's earlier tally. */
	'poll.tally': z
		.object({
			pollId: IdSchema,
			classroomId: ClassroomRefSchema,
			counts: z.array(z.number().int().min(0).max(POLL_LIMITS.tallyMax)).min(2).max(POLL_LIMITS.maxOptions)
		})
		.strict(),
	/** What the caller may know about polls now (after joining or reconnecting). */
	'poll.state': Empty,
	'classList.get': z.object({ classroomId: ClassroomRefSchema }).strict(),
	'classList.add': z.object({ classroomId: ClassroomRefSchema, names: z.array(StudentNameSchema).min(1).max(100) }).strict(),
	'classList.rename': z.object({ studentId: IdSchema, name: StudentNameSchema }).strict(),
	/** Takes a typed (unlisted) name into the list as it is. */
	'classList.accept': z.object({ studentId: IdSchema }).strict(),
	/** Folds a typed (unlisted) entry into a listed one: its later joins become the listed id. */
	'classList.merge': z.object({ fromId: IdSchema, intoId: IdSchema }).strict(),
	/** Takes typed (unlisted) names off their list: gone from every list, their device tokens dead. */
	'classList.remove': z.object({ studentIds: z.array(IdSchema).min(1).max(100) }).strict(),
	/** Lets the phone waiting on this claim join as the held name it asked for. */
	'classList.approveClaim': z.object({ claimId: IdSchema }).strict(),
	/** Refuses it: the phone is told the assistant said no. */
	'classList.denyClaim': z.object({ claimId: IdSchema }).strict(),
	/** Starts a new part of the lesson's recording (teacher only). */
	'recording.start': Empty,
	'recording.stop': Empty,
	/** A replayed session's playback: play (continue after a poll), pause, seek (the assistant). */
	'replay.control': ReplayControlSchema,
	/** Ends the lesson for everyone: the catalog marks it ended, every client is told and disconnected. */
	'lesson.end': Empty
} as const;

export type RequestName = keyof typeof Requests;
export type RequestPayload<N extends RequestName> = z.input<(typeof Requests)[N]>;
export type ParsedRequest<N extends RequestName> = z.output<(typeof Requests)[N]>;

/** mediasoup objects pass through as plain JSON; the browser types them with mediasoup-client. */
export type JsonObject = { [key: string]: unknown };

export interface TransportInfo {
	id: string;
	iceParameters: JsonObject;
	iceCandidates: JsonObject[];
	dtlsParameters: JsonObject;
}

/** A STUN/TURN server for RTCPeerConnection (TURN with short-lived credentials). */
export interface IceServer {
	urls: string[];
	username?: string;
	credential?: string;
}

export interface JoinResult {
	self: Participant;
	lesson: LessonSnapshot;
	chat: ChatMessage[];
	routerRtpCapabilities: JsonObject;
	/** Empty unless the deployment has a TURN server (for schools whose firewalls block the SFU). */
	iceServers: IceServer[];
	/** tldraw's licence key (TLDRAW_LICENSE_KEY); null on localhost development. */
	tldrawLicenseKey: string | null;
}

export interface Responses {
	'lesson.join': JoinResult;
	'media.createTransport': TransportInfo;
	'media.connectTransport': null;
	'media.restartIce': { iceParameters: JsonObject };
	'media.ready': null;
	'media.produce': { producerId: string };
	'media.closeProducer': null;
	'media.pauseProducer': null;
	'media.resumeConsumer': null;
	'media.setPreferredLayers': null;
	'media.setAudioOnly': null;
	'stage.set': null;
	'hand.raise': null;
	'hand.lower': null;
	'chat.send': ChatMessage;
	'chat.setMuted': null;
	'surface.show': null;
	'board.addBlank': BlankBoard;
	'board.setDrawer': null;
	'board.clear': { removed: number };
	'lesson.setStudentChat': null;
	'poll.prepare': PollInfo;
	'poll.discard': null;
	'poll.open': PollInfo;
	'poll.close': PollInfo;
	'poll.reveal': PollInfo;
	'poll.dismiss': null;
	'poll.answer': PollAnswerResult;
	'poll.tally': null;
	'poll.state': PollsState;
	'classList.get': ClassList;
	'classList.add': ClassList;
	'classList.rename': ClassList;
	'classList.accept': ClassList;
	'classList.merge': ClassList;
	'classList.remove': ClassList;
	'classList.approveClaim': ClassList;
	'classList.denyClaim': ClassList;
	'recording.start': null;
	'recording.stop': null;
	'replay.control': PlaybackState;
	'lesson.end': null;
}
