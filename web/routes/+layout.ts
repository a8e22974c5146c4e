// Every page depends on the browser (localStorage, language, media devices): render on the client.
export const ssr = false;
