/*
 * The tldraw whiteboard, a React island inside the Svelte app. This module is loaded with a
 * dynamic import, so React and tldraw only reach a browser that shows a board.
 */
import { createElement as h, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import {
	Box,
	DefaultStylePanel,
	PageRecordType,
	TLINSTANCE_ID,
	Tldraw,
	atom,
	createShapeId,
	createTLStore,
	defaultBindingUtils,
	defaultShapeUtils,
	getDefaultUserPresence,
	useEditor,
	useTranslation,
	useValue,
	type Editor,
	type IndexKey,
	type TLAssetStore,
	type TLComponents,
	type TLPageId,
	type TLPresenceStateInfo,
	type TLRecord,
	type TLStore,
	type TLUiOverrides,
	type TLUiStylePanelProps,
	type TLUser
} from 'tldraw';
import { useSync } from '@tldraw/sync';
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite';
import 'tldraw/tldraw.css';
import type { BoardCustomMessage } from '$protocol';
import type { BoardHandle } from '../runtime.svelte.ts';
import type { BoardFrame } from '../surface-model.ts';

/**
 * Where the board's records come from: the lesson's board room (live, ws(s)://host/board?t=…;
 * useSync adds sessionId and storeId), or a fixed set of records (a replay's board snapshot,
 * shown read-only; a new array replaces what is shown).
 */
export type BoardSource = { kind: 'sync'; uri: string } | { kind: 'static'; records: readonly Record<string, unknown>[] };

export interface BoardIslandProps {
	source: BoardSource;
	licenseKey: string | null;
	locale: 'zh-cn' | 'en';
	/** The board to show; null hides the canvas. */
	boardId: string | null;
	frame: BoardFrame | null;
	/** The lesson says we may draw (the teacher, or granted). The board session must agree too. */
	canDraw: boolean;
	background: 'transparent' | 'white';
	user: { name: string; color: string };
	labels: { connecting: string; offline: string; unavailable: string };
	/** Called with a handle once the editor is up, and with null when it goes. */
	onHandle(handle: BoardHandle | null): void;
	/** `showing`: the wanted board's page is the one on screen; `writable`: the board session may write. */
	onState(state: BoardState): void;
	onRefused(): void;
}

export interface BoardState {
	showing: boolean;
	writable: boolean;
}

export interface BoardIsland {
	update(props: BoardIslandProps): void;
	unmount(): void;
}

export function mountBoard(container: HTMLElement, props: BoardIslandProps): BoardIsland {
	const root = createRoot(container);
	root.render(h(BoardRoot, props));
	return {
		update: (next) => root.render(h(BoardRoot, next)),
		unmount: () => root.unmount()
	};
}

/**
 * The board's fonts, icons and translations (tldraw asks for all 16 fonts at once when a board
 * mounts: on a thin link a megabyte and a half at the first showing, ahead of the lesson's
 * messages), each as a step that puts it in the browser's HTTP cache at low priority.
 */
export function boardAssetSteps(): (() => Promise<void>)[] {
	const urls = new Set<string>();
	// The app's two languages only (the board follows them: zh-CN and English).
	const wanted = [...Object.values(ASSET_URLS.fonts), ...Object.values(ASSET_URLS.icons), ASSET_URLS.translations['zh-cn'], ASSET_URLS.translations.en];
	for (const url of wanted) if (url) urls.add(url.split('#')[0] ?? url);
	return [...urls].map((url) => async () => {
		const res = await fetch(url, { priority: 'low' });
		if (!res.ok) throw new Error(`board asset ${url}: HTTP ${res.status}`);
		await res.arrayBuffer();
	});
}

// Everything below is created once: tldraw wants stable option objects.

/** Fonts, icons and translations from this server: classrooms may have no internet. */
const ASSET_URLS = getAssetUrlsByImport();

/** Boards hold strokes and shapes only; images would bloat every classroom's download. */
const NO_UPLOADS: TLAssetStore = {
	upload: async () => {
		throw new Error('uploads are not available on the lesson board');
	}
};

/**
 * No tldraw user record: a read-only session would write one into the document (and be refused).
 * Names and colours of cursors come from the presence instead (see presenceFor).
 */
const NO_USER = { currentUser: atom<TLUser | null>('classbridge user', null) };

/** Pages are ours (one per board) and the camera is locked to the frame: no page, zoom or navigation UI. */
/**
 * tldraw's style panel, folded behind one small button: open, it lay over the top right of the
 * teacher's slide for the whole lesson. One tap opens it; picking a tool or a shape leaves it as is.
 */
function FoldedStylePanel(props: TLUiStylePanelProps): ReactNode {
	const [open, setOpen] = useState(false);
	const msg = useTranslation();
	return h(
		'div',
		{ className: 'cb-style', 'data-open': open },
		h(
			'button',
			{
				type: 'button',
				className: 'cb-style-toggle',
				'data-testid': 'board-style-toggle',
				'aria-expanded': open,
				title: msg('style-panel.title'),
				'aria-label': msg('style-panel.title'),
				onClick: () => setOpen((o) => !o)
			},
			h('span', { className: 'cb-style-dot' })
		),
		open ? h(DefaultStylePanel, props) : null
	);
}

const COMPONENTS: TLComponents = {
	StylePanel: FoldedStylePanel,
	Background: null,
	Grid: null,
	PageMenu: null,
	MainMenu: null,
	NavigationPanel: null,
	Minimap: null,
	ZoomMenu: null,
	HelpMenu: null,
	DebugMenu: null,
	DebugPanel: null,
	SharePanel: null,
	PeopleMenu: null,
	ContextMenu: null,
	KeyboardShortcutsDialog: null
};

const DROPPED_TOOLS = new Set(['asset', 'embed']);
const DROPPED_ACTIONS = new Set([
	'insert-embed',
	'insert-media',
	'move-to-new-page',
	'change-page-prev',
	'change-page-next',
	'flatten-to-image',
	'toggle-dark-mode',
	'print',
	'image-replace',
	'video-replace',
	'convert-to-embed'
]);

const OVERRIDES: TLUiOverrides = {
	tools: (_editor, tools) => Object.fromEntries(Object.entries(tools).filter(([id]) => !DROPPED_TOOLS.has(id))),
	actions: (_editor, actions) => Object.fromEntries(Object.entries(actions).filter(([id]) => !DROPPED_ACTIONS.has(id)))
};

const RETRY_AFTER_ERROR_MS = 4000;

function BoardRoot(props: BoardIslandProps): ReactNode {
	if (props.source.kind === 'static') return h(StaticBoard, { ...props, records: props.source.records });
	// A sync error (the server refused us, say) ends a useSync store for good: start a fresh one.
	const [generation, setGeneration] = useState(0);
	return h(SyncedBoard, { ...props, key: generation, retry: () => setGeneration((g) => g + 1) });
}

function SyncedBoard(props: BoardIslandProps & { retry(): void }): ReactNode {
	const { source, onRefused, canDraw, user } = props;
	const store = useSync({
		uri: source.kind === 'sync' ? source.uri : '',
		assets: NO_UPLOADS,
		users: NO_USER,
		getUserPresence: (s, u) => presenceFor(s, u, canDraw, user),
		onCustomMessageReceived: (data: unknown) => {
			const message = data as BoardCustomMessage | null;
			if (message?.type === 'cb.refused') onRefused();
		}
	});

	const failed = store.status === 'error';
	useEffect(() => {
		if (!failed) return;
		const timer = setTimeout(props.retry, RETRY_AFTER_ERROR_MS);
		return () => clearTimeout(timer);
	}, [failed, props.retry]);

	if (store.status === 'loading') return notice(props.labels.connecting);
	if (store.status === 'error') return notice(props.labels.unavailable);

	return h(
		'div',
		{ className: `cb-board cb-board-${props.background}`, 'data-board-connection': store.connectionStatus },
		h(
			Tldraw,
			{
				store: store.store,
				licenseKey: props.licenseKey ?? undefined,
				locale: props.locale,
				assetUrls: ASSET_URLS,
				components: COMPONENTS,
				overrides: OVERRIDES,
				hideUi: !props.canDraw,
				autoFocus: false,
				colorScheme: 'light'
			},
			h(BoardController, props)
		),
		store.connectionStatus === 'offline' ? h('div', { className: 'cb-board-offline' }, props.labels.offline) : null
	);
}

function notice(text: string): ReactNode {
	return h('div', { className: 'cb-board-notice' }, text);
}

/** A board from records alone: no socket, no tools, never written. The same controller frames it. */
function StaticBoard(props: BoardIslandProps & { records: readonly Record<string, unknown>[] }): ReactNode {
	const [store] = useState(() => createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils }));
	const { records, boardId } = props;
	useEffect(() => {
		showRecords(store, boardId, records);
	}, [store, boardId, records]);
	return h(
		'div',
		{ className: `cb-board cb-board-${props.background}`, 'data-board-connection': 'static' },
		h(
			Tldraw,
			{
				store,
				licenseKey: props.licenseKey ?? undefined,
				locale: props.locale,
				assetUrls: ASSET_URLS,
				components: COMPONENTS,
				overrides: OVERRIDES,
				hideUi: true,
				autoFocus: false,
				colorScheme: 'light',
				onMount: (editor: Editor) => {
					editor.updateInstanceState({ isReadonly: true });
				}
			},
			h(BoardController, { ...props, canDraw: false })
		)
	);
}

const CONTENT_TYPES = new Set(['shape', 'binding', 'asset']);

/** Makes the store hold exactly `records` (shapes, bindings, assets) on the board's page. */
function showRecords(store: TLStore, boardId: string | null, records: readonly Record<string, unknown>[]): void {
	const incoming = records as unknown as TLRecord[];
	const keep = new Set(incoming.map((r) => r.id));
	store.mergeRemoteChanges(() => {
		const stale = store
			.allRecords()
			.filter((r) => CONTENT_TYPES.has(r.typeName) && !keep.has(r.id))
			.map((r) => r.id);
		if (stale.length > 0) store.remove(stale);
		if (boardId) {
			const pageId = PageRecordType.createId(boardId);
			if (!store.has(pageId) && !keep.has(pageId)) {
				store.put([PageRecordType.create({ id: pageId, name: boardId, index: 'a1' as IndexKey })]);
			}
		}
		try {
			if (incoming.length > 0) store.put(incoming);
		} catch (err) {
			console.warn('[classbridge] board snapshot did not load', err);
		}
	});
}

/**
 * A page no board uses: viewers' presence points there, so nothing of theirs ever shows. The server
 * moves any read-only session's presence there too (VIEWER_PAGE_ID in signalling/board/LessonBoard.ts).
 */
const VIEWER_PAGE = 'page:cb-viewers' as TLPageId;

/**
 * Only the teacher's and the drawers' cursors and laser show. Viewers still announce a bare
 * presence, on a page nobody looks at: a client that sees no other presence thinks it is alone
 * and then syncs once a second and sends no cursor or laser at all. Selections stay private: on a
 * classroom screen they are only noise.
 */
function presenceFor(store: TLStore, user: TLUser, canDraw: boolean, me: BoardIslandProps['user']): TLPresenceStateInfo | null {
	const instance = store.get(TLINSTANCE_ID);
	if (!canDraw || instance?.isReadonly) {
		return { userId: user.id, userName: me.name, color: me.color, currentPageId: VIEWER_PAGE };
	}
	const presence = getDefaultUserPresence(store, user);
	if (!presence) return null;
	// A mouse that is not over the board has no place on it (touch screens report null: keep it).
	const cursor = instance?.isHoveringCanvas === false ? null : presence.cursor;
	return { ...presence, cursor, userName: me.name, color: me.color, selectedShapeIds: [], brush: null };
}

/** Inside tldraw: follows the wanted board, keeps the camera on the frame, hands out the handle. */
function BoardController(props: BoardIslandProps): ReactNode {
	const editor = useEditor();
	const { boardId, frame, onHandle, onState } = props;
	const pageId = boardId ? (`page:${boardId}` as TLPageId) : null;
	// The server creates the page records; it may arrive after the snapshot that named it.
	const pageExists = useValue('board page exists', () => !!pageId && !!editor.getPage(pageId), [editor, pageId]);
	const currentPage = useValue('current page', () => editor.getCurrentPageId(), [editor]);
	const showing = !!pageId && pageExists && currentPage === pageId;
	const writable = useValue('board writable', () => !editor.getIsReadonly(), [editor]);

	useEffect(() => {
		onHandle(boardHandle(editor, () => boardId));
		return () => onHandle(null);
	}, [editor, boardId, onHandle]);

	useEffect(() => {
		if (!pageId || !pageExists || editor.getCurrentPageId() === pageId) return;
		editor.run(() => editor.setCurrentPage(pageId), { history: 'ignore' });
		// Undo stays on the board in front of everyone: never reach back into another page.
		editor.clearHistory();
	}, [editor, pageId, pageExists]);

	useEffect(() => {
		onState({ showing, writable });
	}, [showing, writable, onState]);
	useEffect(
		() => () => {
			onState({ showing: false, writable: false });
		},
		[onState]
	);

	useEffect(() => {
		// autoFocus is off, so the page keeps the keyboard until someone works on the board; then
		// tldraw's shortcuts (tools, undo, delete) apply until they click elsewhere.
		const doc = editor.getContainer().ownerDocument;
		const onPointerDown = (e: PointerEvent) => {
			const target = e.target instanceof Element ? e.target : null;
			if (target && editor.getContainer().contains(target)) editor.focus();
			else if (!target?.closest('[data-radix-popper-content-wrapper]')) editor.blur({ blurContainer: false });
		};
		doc.addEventListener('pointerdown', onPointerDown, true);
		return () => doc.removeEventListener('pointerdown', onPointerDown, true);
	}, [editor]);

	useEffect(() => {
		if (!frame) return;
		lockCamera(editor, frame);
		const refit = () => fitCamera(editor, frame);
		editor.on('resize', refit);
		return () => {
			editor.off('resize', refit);
		};
	}, [editor, frame?.width, frame?.height, currentPage]);

	return null;
}

/** The frame fills the viewport exactly; the container already has the frame's aspect. */
function lockCamera(editor: Editor, frame: BoardFrame): void {
	editor.setCameraOptions({
		isLocked: true,
		wheelBehavior: 'none',
		panSpeed: 0,
		zoomSpeed: 0,
		zoomSteps: [1],
		constraints: {
			bounds: { x: 0, y: 0, w: frame.width, h: frame.height },
			padding: { x: 0, y: 0 },
			origin: { x: 0.5, y: 0.5 },
			initialZoom: 'fit-x',
			baseZoom: 'fit-x',
			behavior: 'fixed'
		}
	});
	fitCamera(editor, frame);
}

function fitCamera(editor: Editor, frame: BoardFrame): void {
	const { w } = editor.getViewportScreenBounds();
	if (w <= 1) return;
	editor.setCamera({ x: 0, y: 0, z: w / frame.width }, { force: true, immediate: true });
}

function boardHandle(editor: Editor, boardId: () => string | null): BoardHandle {
	const onBoard = () => {
		const id = boardId();
		return id && editor.getCurrentPageId() === `page:${id}` ? id : null;
	};
	return {
		boardId: onBoard,
		shapes: () =>
			onBoard()
				? editor.getCurrentPageShapes().map((s) => ({ id: s.id, type: s.type, x: s.x, y: s.y, props: { ...s.props } }))
				: [],
		createRect: (x, y, w, h) => {
			const id = createShapeId();
			const readonly = editor.getIsReadonly();
			// The editor refuses edits while read-only; lift that for this one shape so the server is the judge.
			if (readonly) editor.updateInstanceState({ isReadonly: false });
			try {
				editor.createShape({ id, type: 'geo', x, y, props: { geo: 'rectangle', w, h } });
			} finally {
				if (readonly) editor.updateInstanceState({ isReadonly: true });
			}
			return id;
		},
		writable: () => !editor.getIsReadonly(),
		hasSelection: () => editor.getSelectedShapeIds().length > 0,
		exportDrawing: async (frame, scale) => {
			const ids = [...editor.getCurrentPageShapeIds()];
			if (ids.length === 0) return null;
			const { blob } = await editor.toImage(ids, {
				format: 'png',
				background: false,
				bounds: new Box(0, 0, frame.width, frame.height),
				padding: 0,
				scale,
				pixelRatio: 1
			});
			return blob;
		}
	};
}
