import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(root, 'web/lib/offline-player/main.ts');

let bundle: Promise<Buffer> | null = null;

/**
 * The offline player (web/lib/offline-player/) as one classic script, bundled by esbuild on first
 * use and kept for the life of the process. A classic script, not a module: Chromium refuses module
 * scripts from file:// pages.
 */
export function playerBundle(): Promise<Buffer> {
	bundle ??= build({
		entryPoints: [ENTRY],
		bundle: true,
		write: false,
		format: 'iife',
		platform: 'browser',
		target: 'chrome110',
		minify: true,
		legalComments: 'none',
		alias: { $protocol: path.join(root, 'protocol/index.ts') },
		logLevel: 'silent'
	}).then(
		(result) => Buffer.from(result.outputFiles[0]!.contents),
		(error: Error) => {
			bundle = null;
			throw error;
		}
	);
	return bundle;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function playerHtml(title: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
*{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;background:#f4f5f7;color:#1d2430}
header{display:flex;gap:12px;align-items:baseline;padding:10px 16px;background:#1f3a5f;color:#fff}header h1{font-size:18px;margin:0}
header #cb-lang{margin-left:auto}main{display:grid;grid-template-columns:minmax(0,3fr) minmax(220px,1fr);gap:12px;padding:12px}
@media (max-width:800px){main{grid-template-columns:1fr}}
#cb-stage{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:8px}
.surface{position:relative;background:#fff;border:1px solid #ccd;min-height:200px;aspect-ratio:16/9}
.surface img,.surface video,.surface svg{position:absolute;inset:0;width:100%;height:100%;object-fit:contain}
#cb-program{width:100%;background:#000;aspect-ratio:4/3}
.controls{display:flex;gap:8px;align-items:center;padding:8px 0}.controls input[type=range]{flex:1}
aside section{background:#fff;border:1px solid #dde;border-radius:6px;padding:8px;margin-bottom:10px;max-height:32vh;overflow:auto}
aside h2{font-size:14px;margin:0 0 6px}ul{margin:0;padding-left:18px}li.empty{list-style:none;color:#778}
button{font:inherit;padding:4px 10px;border-radius:4px;border:1px solid #99a;background:#fff;cursor:pointer}
#cb-chapters button{border:0;text-align:left;padding:2px 4px}#cb-chapters button.current{background:#dbe8ff;font-weight:600}
#cb-view-label{color:#556;font-size:13px}
</style>
</head>
<body>
<header><h1 id="cb-title"></h1><span id="cb-teacher"></span><button type="button" id="cb-lang"></button></header>
<main>
<div>
<div id="cb-stage">
<div class="surface"><img id="cb-slide" alt="" hidden><svg id="cb-board" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet"></svg><video id="cb-screen" muted playsinline hidden></video></div>
<video id="cb-program" playsinline preload="auto"></video>
</div>
<div id="cb-view-label"></div>
<div class="controls"><button type="button" id="cb-play"></button><input type="range" id="cb-seek" min="0" step="100" value="0"><span id="cb-clock"></span>
<label><span id="cb-speed-label"></span> <select id="cb-speed"></select></label></div>
</div>
<aside>
<section><h2 id="cb-chapters-title"></h2><ol id="cb-chapters"></ol></section>
<section><h2 id="cb-polls-title"></h2><ul id="cb-polls"></ul></section>
<section><h2 id="cb-chat-title"></h2><ul id="cb-chat"></ul></section>
</aside>
</main>
<script src="player/lesson.js"></script>
<script src="player/player.js"></script>
</body>
</html>
`;
}
