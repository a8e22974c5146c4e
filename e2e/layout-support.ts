import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from '@playwright/test';
import { SHOTS } from './support.ts';

/** The real devices of a lesson (architecture: roles and devices). */
export const SIZES = {
	phone: { width: 390, height: 844, touch: true },
	tablet: { width: 1024, height: 768, touch: true },
	laptop: { width: 1366, height: 768, touch: false },
	'laptop-l': { width: 1440, height: 900, touch: false },
	/** An older classroom projector (XGA). */
	'screen-xga': { width: 1024, height: 768, touch: false },
	'screen-1080p': { width: 1920, height: 1080, touch: false },
	'screen-4k': { width: 3840, height: 2160, touch: false }
} as const;
export type SizeName = keyof typeof SIZES;

export function contextFor(size: SizeName, locale: string): BrowserContextOptions {
	const s = SIZES[size];
	return {
		viewport: { width: s.width, height: s.height },
		locale,
		...(s.touch ? { hasTouch: true, isMobile: size === 'phone', deviceScaleFactor: 2 } : {})
	};
}

export async function openAt(browser: Browser, size: SizeName, locale: string, url: string): Promise<Page> {
	const page = await (await browser.newContext(contextFor(size, locale))).newPage();
	await page.goto(url);
	return page;
}

export interface LayoutRules {
	size: SizeName;
	/** Test ids the role needs at this size: each must be visible inside the viewport. */
	required?: string[];
	/** Room screen: text marked data-readable must be >= 28 px at 1080p, scaled by width. */
	roomScreen?: boolean;
}

/**
 * The layout checks, run in the page: horizontal overflow, interactive controls lying on videos or
 * boards (a control inside the board, such as the board's own toolbar, belongs to it), tap targets
 * on touch devices, readable room-screen text, required controls on screen. Returns the problems.
 */
export async function layoutProblems(page: Page, rules: LayoutRules): Promise<string[]> {
	const touch = SIZES[rules.size].touch;
	return page.evaluate(
		({ touch, required, roomScreen }) => {
			const problems: string[] = [];
			const describe = (el: Element) => {
				const id = el.getAttribute('data-testid');
				const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
				return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''} "${text}"`;
			};
			const shown = (el: Element) => {
				const r = el.getBoundingClientRect();
				if (r.width < 1 || r.height < 1) return false;
				const style = getComputedStyle(el);
				return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0.05;
			};
			const doc = document.documentElement;
			if (doc.scrollWidth > window.innerWidth) problems.push(`overflow: page is ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
			// Anything that ends past the window's right edge, even where an ancestor clips it (cut off is
			// as bad as sliding sideways); deliberate horizontal scrollers (overflow-x auto/scroll) are fine.
			for (const el of document.querySelectorAll('body *')) {
				const r = el.getBoundingClientRect();
				if (!shown(el) || r.right <= window.innerWidth + 1 || el.closest('.tl-container')) continue;
				let scroller = false;
				for (let p = el.parentElement; p && !scroller; p = p.parentElement) {
					const o = getComputedStyle(p).overflowX;
					scroller = (o === 'auto' || o === 'scroll') && p !== document.body && p !== document.documentElement;
				}
				if (!scroller) {
					problems.push(`overflow: ${describe(el)} ends at ${Math.round(r.right)} px in a ${window.innerWidth} px window`);
					break;
				}
			}
			// The part of an element not clipped away by a scrolling or clipping ancestor.
			const visibleRect = (el: Element): DOMRect => {
				let r = el.getBoundingClientRect();
				for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
					const st = getComputedStyle(p);
					if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
					const pr = p.getBoundingClientRect();
					const left = Math.max(r.left, pr.left);
					const top = Math.max(r.top, pr.top);
					r = new DOMRect(left, top, Math.max(0, Math.min(r.right, pr.right) - left), Math.max(0, Math.min(r.bottom, pr.bottom) - top));
				}
				return r;
			};
			const controls = [...document.querySelectorAll('button, a[href], input, select, textarea, [role="button"], [role="tab"]')].filter(
				(el) => shown(el) && !(el as HTMLInputElement).disabled && el.getAttribute('type') !== 'hidden'
			);
			const media = [...document.querySelectorAll('video, [data-layout-media]')].filter(shown);
			const overlaps = (a: DOMRect, b: DOMRect) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
			for (const c of controls) {
				if (c.closest('.tl-container, [data-layout-overlay]')) continue;
				const cr = visibleRect(c);
				if (cr.width < 1 || cr.height < 1) continue;
				for (const m of media) {
					const owner = m.closest('[data-layout-media]') ?? m;
					if (owner.contains(c)) continue;
					if (overlaps(cr, m.getBoundingClientRect())) problems.push(`overlap: ${describe(c)} lies on ${describe(owner)}`);
				}
			}
			// A caption may sit on a big video's corner, but never hide much of it.
			const area = (r: DOMRect) => Math.max(0, r.width) * Math.max(0, r.height);
			for (const cap of [...document.querySelectorAll('[data-caption]')].filter(shown)) {
				const cr = cap.getBoundingClientRect();
				for (const m of media) {
					const mr = m.getBoundingClientRect();
					const w = Math.min(cr.right, mr.right) - Math.max(cr.left, mr.left);
					const h = Math.min(cr.bottom, mr.bottom) - Math.max(cr.top, mr.top);
					if (w > 0 && h > 0 && (w * h) / area(mr) > 0.1) problems.push(`caption: ${describe(cap)} covers ${Math.round(((w * h) / area(mr)) * 100)} % of a video`);
				}
			}
			if (touch) {
				for (const c of controls) {
					if (c.closest('.tl-container')) continue;
					// A checkbox is tapped through its label.
					const target = (c.matches('input[type="checkbox"], input[type="radio"]') && c.closest('label')) || c;
					const r = target.getBoundingClientRect();
					if (r.height < 44 - 0.5 || r.width < 44 - 0.5) problems.push(`tap target: ${describe(c)} is ${Math.round(r.width)}x${Math.round(r.height)} px`);
				}
			}
			if (roomScreen) {
				const min = 28 * (window.innerWidth / 1920);
				for (const el of document.querySelectorAll('[data-readable]')) {
					if (!shown(el)) continue;
					const px = parseFloat(getComputedStyle(el).fontSize);
					if (px < min - 0.5) problems.push(`small text: ${describe(el)} is ${px.toFixed(1)} px (needs ${Math.round(min)} px)`);
				}
			}
			for (const id of required) {
				const els = [...document.querySelectorAll(`[data-testid="${id}"]`)].filter(shown);
				const inView = els.filter((el) => {
					const r = el.getBoundingClientRect();
					return r.left >= -1 && r.top >= -1 && r.right <= window.innerWidth + 1 && r.bottom <= window.innerHeight + 1;
				});
				// On screen and on top: the middle of the control is the control (not a strip lying over it).
				const onTop = inView.some((el) => {
					const r = el.getBoundingClientRect();
					const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
					return !!hit && (el === hit || el.contains(hit) || hit.contains(el));
				});
				if (!inView.length) problems.push(`missing: ${id} is not on screen`);
				else if (!onTop) problems.push(`covered: ${id} lies under another element`);
			}
			return problems;
		},
		{ touch, required: rules.required ?? [], roomScreen: !!rules.roomScreen }
	);
}

export async function screenshotAt(page: Page, size: SizeName, name: string): Promise<void> {
	const dir = path.join(SHOTS, size);
	mkdirSync(dir, { recursive: true });
	await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
