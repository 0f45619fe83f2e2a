/**
 * Tables, created when missing. Secrets that grant access (session ids, invitation tokens, passwords, recovery
 * codes) are stored only as hashes, so a copy of the database file signs nobody in. Times are Unix milliseconds.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  webauthn_user_id TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  mode TEXT CHECK (mode IN ('password', 'passwordless')),
  enrolled_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE TABLE IF NOT EXISTS credentials (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  counter INTEGER NOT NULL,
  transports TEXT NOT NULL,
  discoverable INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS recovery_codes (
  user_id INTEGER NOT NULL,
  salt TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  used_at INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  user_id INTEGER,
  stage TEXT NOT NULL CHECK (stage IN ('anonymous', 'enrolling', 'second-factor', 'signed-in')),
  method TEXT CHECK (method IN ('password', 'key', 'recovery')),
  fresh_at INTEGER,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
  session_hash TEXT NOT NULL,
  purpose TEXT NOT NULL,
  challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (session_hash, purpose)
);
`;

/**
 * The columns a sessions table of this version has. Sessions are short-lived, so a table from an older version is
 * dropped and made again (with the challenges table, filed under its sessions): everyone simply signs in again.
 */
export const SESSION_COLUMNS: readonly string[] = ['id_hash', 'origin', 'user_id', 'stage', 'method', 'fresh_at', 'expires_at'];
