/** Product version, replaced at bundle time from package.json. */
declare const __CT_VERSION__: string | undefined;
export const VERSION: string = typeof __CT_VERSION__ === 'string' ? __CT_VERSION__ : '0.0.0-dev';
