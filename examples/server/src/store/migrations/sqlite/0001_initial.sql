-- Users: the name as normalised (PRECIS UsernameCaseMapped), the password as an
-- Argon2id PHC string.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
-- One MFA record per user (JSON, secrets sealed) and its compare-and-swap version.
CREATE TABLE mfa_accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    state   TEXT NOT NULL,
    version INTEGER NOT NULL
);
-- Which user's record holds a live challenge, by the token's lookup key.
CREATE TABLE challenges (
    lookup_key TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX challenges_by_user ON challenges(user_id);
-- Sessions by the SHA-256 of their token: a leaked table holds no usable token.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
-- What happened to each account, oldest first.
CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_events_by_user ON audit_events(user_id, id);
-- Fixed-window counters: password attempts per account and per client address,
-- codes sent per destination (keyed hashes, never the address itself).
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_ends  INTEGER NOT NULL,
    hits         INTEGER NOT NULL
);
