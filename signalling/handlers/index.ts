import type { RequestName } from '../protocol/index.ts';
import { sendChat, setChatMuted } from './chat.ts';
import type { Handler } from './context.ts';
import { lowerHand, raiseHand } from './hands.ts';
import * as media from './media.ts';
import { setStage } from './stage.ts';
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
	'chat.send': sendChat,
	'chat.setMuted': setChatMuted,
	'surface.show': showSurface,
	'board.addBlank': addBlankBoard,
	'board.setDrawer': setDrawer,
	'board.clear': clearBoard
};
