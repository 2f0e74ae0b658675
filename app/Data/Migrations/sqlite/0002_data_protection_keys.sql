-- Data-protection keys (session cookies, antiforgery tokens): kept in the app database so they survive restarts
-- and every replica on the same database reads the same key ring.
CREATE TABLE data_protection_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    friendly_name  TEXT    NOT NULL UNIQUE,
    xml            TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
