// Placeholder until the conformance issue lands (allowed by the foundation issue): the package exists so the
// workspace layout is final from the start.
export {};
