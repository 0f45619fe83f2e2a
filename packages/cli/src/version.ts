/** The CLI's version, printed by `hkey --version`; bin.ts answers that flag without loading the command tree. */
export const VERSION = '0.1.0';
