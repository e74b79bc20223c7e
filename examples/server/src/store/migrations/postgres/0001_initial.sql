-- Users: the name as normalised (PRECIS UsernameCaseMapped), the password as an
-- Argon2id PHC string.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
-- One MFA record per user (JSON, secrets sealed) and its compare-and-swap version.
CREATE TABLE mfa_accounts (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    state   TEXT NOT NULL,
    version BIGINT NOT NULL
);
-- Which user's record holds a live challenge, by the token's lookup key.
CREATE TABLE challenges (
    lookup_key TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX challenges_by_user ON challenges(user_id);
-- Sessions by the SHA-256 of their token: a leaked table holds no usable token.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);
-- What happened to each account, oldest first.
CREATE TABLE audit_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_events_by_user ON audit_events(user_id, id);
-- Fixed-window counters: password attempts per account and per client address,
-- codes sent per destination (keyed hashes, never the address itself).
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_ends  BIGINT NOT NULL,
    hits         INTEGER NOT NULL
);
