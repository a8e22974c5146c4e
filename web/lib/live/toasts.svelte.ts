export interface Toast {
	id: number;
	text: string;
	tone: 'info' | 'error';
}

/** Short messages that fade by themselves (request errors, device problems). */
export class Toasts {
	items = $state.raw<Toast[]>([]);
	#next = 1;

	show(text: string, tone: Toast['tone'] = 'error', ms = 4000): void {
		// The same message twice in a row (a button clicked repeatedly) shows once.
		if (this.items.some((t) => t.text === text)) return;
		const toast: Toast = { id: this.#next++, text, tone };
		this.items = [...this.items, toast].slice(-4);
		setTimeout(() => this.dismiss(toast.id), ms);
	}

	dismiss(id: number): void {
		this.items = this.items.filter((t) => t.id !== id);
	}
}
