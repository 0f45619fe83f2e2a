// Compiled only by tsconfig.browser.json: Node's types declare a global `process`, so this fails as soon as anything
// the browser entries reach pulls them in (ws and noble do).
type NodeTypesAbsent = typeof globalThis extends { process: unknown } ? never : true;
export const browserEntriesReachNoNodeTypes: NodeTypesAbsent = true;
