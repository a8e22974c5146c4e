import { BOARD_WIDTH, boardOfView, type BoardSnapshot, type RecordingManifest, type SurfaceView, type TimelineEntry } from '$protocol';
import { ReplayIndex } from '../recording/replay/replay-index.ts';
import { renderBoard } from './board-svg.ts';
import { detectLocale, translate, type Locale } from './strings.ts';

/**
 * The offline player of an exported lesson package: `index.html` opened from a folder or USB stick
 * (file://, no server, no network). player/lesson.js sets the lesson data; media and slide images
 * are files beside it. Plays the programme and the screen spans in step, with the slide page and
 * board as they were, chat, polls, chapters, seek and speed, in English and Chinese.
 */
interface OfflineLesson {
	manifest: RecordingManifest;
	timeline: TimelineEntry[];
	boards: BoardSnapshot[];
	slides: Record<string, string[]>;
}

declare global {
	interface Window {
		CLASSBRIDGE_LESSON?: OfflineLesson;
		/** For tests: seek and read what is shown. */
		__cbOffline?: { seek(ms: number): Promise<void>; state(): OfflineState };
	}
}

interface OfflineState {
	timeMs: number;
	view: SurfaceView;
	shapeIds: string[];
	chatLines: number;
	polls: number;
}

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function start(): void {
	const lesson = window.CLASSBRIDGE_LESSON;
	let locale: Locale = detectLocale();
	const t = (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) => translate(locale, key, vars);
	if (!lesson) {
		document.body.textContent = t('noData');
		return;
	}
	const { manifest } = lesson;
	const durationMs = manifest.media?.durationMs ?? manifest.durationMs;
	const index = new ReplayIndex(lesson.timeline, lesson.boards, durationMs);
	const video = $<HTMLVideoElement>('cb-program');
	const screen = $<HTMLVideoElement>('cb-screen');
	const slide = $<HTMLImageElement>('cb-slide');
	const board = document.getElementById('cb-board') as unknown as SVGSVGElement;
	const seek = $<HTMLInputElement>('cb-seek');
	const play = $<HTMLButtonElement>('cb-play');
	const speed = $<HTMLSelectElement>('cb-speed');
	const clock = $('cb-clock');
	const stage = $('cb-stage');
	let shapeIds: string[] = [];
	let shownKey = '';

	if (manifest.media?.program) video.src = `recording/media/${manifest.media.program.file}`;
	seek.max = String(durationMs);
	for (const s of SPEEDS) speed.add(new Option(`${s}×`, String(s), s === 1, s === 1));

	const timeMs = () => Math.round(video.currentTime * 1000);

	function viewLabel(view: SurfaceView): string {
		if (view.kind === 'blank') return t('blank');
		if (view.kind === 'none') return t('teacherVideo');
		const deck = manifest.decks.find((d) => d.deckId === view.deckId);
		return t('slide', { deck: deck ? deck.fileName.replace(/\.pdf$/i, '') : '', page: view.page });
	}

	function renderStatic(): void {
		document.documentElement.lang = locale;
		document.title = `${manifest.title} · ${t('title')}`;
		$('cb-title').textContent = manifest.title;
		$('cb-teacher').textContent = manifest.teacherName;
		$('cb-lang').textContent = t('language');
		$('cb-speed-label').textContent = t('speed');
		$('cb-chapters-title').textContent = t('chapters');
		$('cb-chat-title').textContent = t('chat');
		$('cb-polls-title').textContent = t('polls');
		const list = $('cb-chapters');
		list.replaceChildren();
		index.chapters.forEach((chapter, i) => {
			const button = document.createElement('button');
			button.type = 'button';
			button.dataset['chapter'] = String(i);
			button.textContent = `${clockOf(chapter.startMs)} ${viewLabel(chapter.view)}`;
			button.onclick = () => void seekTo(chapter.startMs);
			const li = document.createElement('li');
			li.append(button);
			list.append(li);
		});
		shownKey = '';
		render();
	}

	function render(): void {
		const ms = timeMs();
		seek.value = String(ms);
		clock.textContent = `${clockOf(ms)} / ${clockOf(durationMs)}`;
		play.textContent = video.paused ? t('play') : t('pause');
		const view = index.viewAt(ms);
		stage.dataset['view'] = view.kind === 'deck' ? `${view.deckId}:${view.page}` : view.kind === 'blank' ? `blank:${view.boardId}` : 'none';
		$('cb-view-label').textContent = viewLabel(view);
		const image = view.kind === 'deck' ? lesson!.slides[view.deckId]?.[view.page - 1] : undefined;
		if (image) {
			if (slide.getAttribute('src') !== image) slide.src = image;
			slide.hidden = false;
		} else slide.hidden = true;
		const boardId = boardOfView(view);
		const snapshot = boardId ? index.boardAt(boardId, ms) : null;
		const key = `${boardId}@${snapshot?.mediaMs ?? -1}`;
		if (key !== shownKey) {
			shownKey = key;
			const height = image && slide.naturalWidth ? Math.round((BOARD_WIDTH * slide.naturalHeight) / slide.naturalWidth) : Math.round((BOARD_WIDTH * 9) / 16);
			board.setAttribute('viewBox', `0 0 ${BOARD_WIDTH} ${height}`);
			shapeIds = renderBoard(board, (snapshot?.records ?? []) as Record<string, unknown>[]);
			stage.dataset['shapes'] = shapeIds.join(',');
		}
		syncScreen(ms);
		renderChat(ms);
		renderPolls(ms);
		document.querySelectorAll<HTMLButtonElement>('[data-chapter]').forEach((b) => b.classList.toggle('current', Number(b.dataset['chapter']) === index.chapterAt(ms)));
	}

	function syncScreen(ms: number): void {
		const span = (manifest.media?.screens ?? []).find((s) => ms >= s.startMs && ms < s.startMs + s.durationMs);
		if (!span) {
			if (!screen.hidden) screen.pause();
			screen.hidden = true;
			return;
		}
		const src = `recording/media/${span.file}`;
		if (screen.getAttribute('src') !== src) screen.src = src;
		screen.hidden = false;
		const want = (ms - span.startMs) / 1000;
		if (Math.abs(screen.currentTime - want) > 0.3) screen.currentTime = want;
		screen.playbackRate = video.playbackRate;
		if (video.paused !== screen.paused) void (video.paused ? screen.pause() : screen.play().catch(() => undefined));
	}

	let chatShown = -1;
	function renderChat(ms: number): void {
		const n = index.chatCountAt(ms);
		if (n === chatShown) return;
		chatShown = n;
		const list = $('cb-chat');
		list.replaceChildren();
		if (n === 0) list.append(item(t('noChat'), 'empty'));
		for (const line of index.chat.slice(0, n)) {
			const li = item(`${line.from}: ${line.text}`, line.channel);
			if (line.channel === 'question') li.prepend(`[${t('question')}] `);
			list.append(li);
		}
		$('cb-stage').dataset['chat'] = String(n);
	}

	let pollsShown = '';
	function renderPolls(ms: number): void {
		const polls = index.pollsAt(ms);
		const key = polls.map((p) => `${p.poll.pollId}:${p.status}:${JSON.stringify(p.results)?.length ?? 0}`).join('|');
		if (key === pollsShown) return;
		pollsShown = key;
		const list = $('cb-polls');
		list.replaceChildren();
		if (polls.length === 0) list.append(item(t('noPolls'), 'empty'));
		for (const { poll, status, results } of polls) {
			const li = item(`${poll.question} (${t(status === 'open' ? 'open' : 'closed')})`, `poll-${status}`);
			li.dataset['pollId'] = poll.pollId;
			const r = results as { counts?: number[]; answered?: number } | null;
			if (r?.counts && poll.options.length) {
				const ul = document.createElement('ul');
				poll.options.forEach((o, i) => ul.append(item(`${o}: ${r.counts?.[i] ?? 0}`, 'option')));
				li.append(ul);
			}
			if (typeof r?.answered === 'number') li.append(item(t('answered', { n: r.answered }), 'answered'));
			list.append(li);
		}
		$('cb-stage').dataset['polls'] = String(polls.length);
	}

	async function seekTo(ms: number): Promise<void> {
		const target = Math.max(0, Math.min(ms, durationMs)) / 1000;
		if (Math.abs(video.currentTime - target) > 0.001) {
			const seeked = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
			video.currentTime = target;
			await seeked;
		}
		render();
	}

	play.onclick = () => void (video.paused ? video.play() : video.pause());
	seek.oninput = () => void seekTo(Number(seek.value));
	speed.onchange = () => (video.playbackRate = Number(speed.value));
	$('cb-lang').onclick = () => {
		locale = locale === 'en' ? 'zh-CN' : 'en';
		localStorage.setItem('cb-offline-locale', locale);
		chatShown = -1;
		pollsShown = '';
		renderStatic();
	};
	slide.onload = () => {
		shownKey = '';
		render();
	};
	for (const event of ['timeupdate', 'play', 'pause', 'seeked', 'loadedmetadata', 'ratechange']) video.addEventListener(event, render);
	window.__cbOffline = {
		seek: seekTo,
		state: () => ({ timeMs: timeMs(), view: index.viewAt(timeMs()), shapeIds, chatLines: index.chatCountAt(timeMs()), polls: index.pollsAt(timeMs()).length })
	};
	renderStatic();
}

function item(text: string, kind: string): HTMLLIElement {
	const li = document.createElement('li');
	li.className = kind;
	li.textContent = text;
	return li;
}

function clockOf(ms: number): string {
	const s = Math.floor(ms / 1000);
	const pad = (n: number) => String(n).padStart(2, '0');
	return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
