-- Changes the GitHub store delivered by dispatching the deploy workflow (GH_SAVE_MODE=workflow-dispatch) instead of a pull request.
CREATE TABLE github_dispatches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer        TEXT    NOT NULL,
    environment     TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    branch          TEXT    NOT NULL,
    base_commit     TEXT    NOT NULL,
    head_commit     TEXT    NOT NULL,
    before_blob     TEXT,
    after_blob      TEXT    NOT NULL,
    author_login    TEXT    NOT NULL,
    workflow        TEXT    NOT NULL,
    run_id          INTEGER,
    run_url         TEXT,
    run_status      TEXT,
    run_conclusion  TEXT,
    state           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

-- One dispatch in flight per pod: the database refuses a second one even when two saves race.
CREATE UNIQUE INDEX ux_github_dispatches_open_pod ON github_dispatches (customer, environment) WHERE state = 'open';
CREATE INDEX ix_github_dispatches_pod ON github_dispatches (customer, environment, id);
