-- Change requests of the local store: a branch with one commit, waiting to be merged or closed.
CREATE TABLE change_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    customer      TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    branch        TEXT    NOT NULL,
    base_commit   TEXT    NOT NULL,
    head_commit   TEXT,
    author_name   TEXT    NOT NULL,
    author_email  TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

-- At most one open change per pod: the database refuses a second one even when two saves race.
CREATE UNIQUE INDEX ux_change_requests_open_pod ON change_requests (customer, environment) WHERE state = 'open';
CREATE INDEX ix_change_requests_state ON change_requests (state, id);
