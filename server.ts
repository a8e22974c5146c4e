// The process entry: everything is composed in app/ (see ARCHITECTURE.md).
import './app/main.ts';
