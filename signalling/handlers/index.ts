import type { RequestName } from '../../protocol/index.ts';
import { setChatMuted } from './chat.ts';
import { acceptStudent, addToClassList, getClassList, mergeStudents, removeFromClassList, renameStudent } from './classList.ts';
import { approveClaim, denyClaim } from './classListClaims.ts';
import type { Handler } from './context.ts';
import { lowerHand, raiseHand } from './hands.ts';
import * as media from './media.ts';
import { endLesson, startRecording, stopRecording } from './recording.ts';
import { setStage } from './stage.ts';
import { controlReplay } from './classReplay/control.ts';
import { answerPoll } from './polls/answers.ts';
import { pollState } from './polls/state.ts';
import { tallyPoll } from './polls/tally.ts';
import { closePollRequest, discardPoll, dismissPoll, openPoll, preparePoll, revealPoll } from './polls/lifecycle.ts';
import { sendChatOrQuestion, setStudentChat } from './studentChat.ts';
import { addBlankBoard, clearBoard, setDrawer, showSurface } from './surface.ts';

export type { Handler, HandlerContext } from './context.ts';

/** Every request but `lesson.join` (which creates the peer), grouped by feature in this folder. */
export const HANDLERS: { [N in Exclude<RequestName, 'lesson.join'>]: Handler<N> } = {
	'media.createTransport': media.createTransport,
	'media.connectTransport': media.connectTransport,
	'media.restartIce': media.restartIce,
	'media.ready': media.ready,
	'media.produce': media.produce,
	'media.closeProducer': media.closeProducer,
	'media.pauseProducer': media.pauseProducer,
	'media.resumeConsumer': media.resumeConsumer,
	'media.setPreferredLayers': media.setPreferredLayers,
	'media.setAudioOnly': media.setAudioOnly,
	'stage.set': setStage,
	'hand.raise': raiseHand,
	'hand.lower': lowerHand,
	'chat.send': sendChatOrQuestion,
	'chat.setMuted': setChatMuted,
	'surface.show': showSurface,
	'board.addBlank': addBlankBoard,
	'board.setDrawer': setDrawer,
	'board.clear': clearBoard,
	'lesson.setStudentChat': setStudentChat,
	'poll.prepare': preparePoll,
	'poll.discard': discardPoll,
	'poll.open': openPoll,
	'poll.close': closePollRequest,
	'poll.reveal': revealPoll,
	'poll.dismiss': dismissPoll,
	'poll.answer': answerPoll,
	'poll.tally': tallyPoll,
	'poll.state': pollState,
	'classList.get': getClassList,
	'classList.add': addToClassList,
	'classList.rename': renameStudent,
	'classList.accept': acceptStudent,
	'classList.merge': mergeStudents,
	'classList.remove': removeFromClassList,
	'classList.approveClaim': approveClaim,
	'classList.denyClaim': denyClaim,
	'recording.start': startRecording,
	'recording.stop': stopRecording,
	'replay.control': controlReplay,
	'lesson.end': endLesson
};
