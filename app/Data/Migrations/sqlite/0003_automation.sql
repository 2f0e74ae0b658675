-- The automation engine: runs of specify -> plan -> tasks -> publish, their steps (the unit that is leased and executed),
-- attempts (one per execution of a step), events (state changes and log lines, streamed to the UI), artifacts (logs,
-- summaries; kept in the database so every replica can serve them) and the draft pull requests runs publish.
CREATE TABLE automation_runs (
    id               TEXT        PRIMARY KEY,
    repository       TEXT        NOT NULL,
    base_branch      TEXT        NOT NULL,
    description      TEXT        NOT NULL,
    agent            TEXT        NOT NULL,
    phases           TEXT        NOT NULL,
    dry_run          INTEGER     NOT NULL,
    idempotency_key  TEXT,
    request_hash     TEXT        NOT NULL,
    state            TEXT        NOT NULL,
    error            TEXT,
    rerun            INTEGER     NOT NULL DEFAULT 0,
    cancel_requested INTEGER     NOT NULL DEFAULT 0,
    cancel_reason    TEXT,
    base_commit      TEXT,
    feature_dir      TEXT,
    branch           TEXT,
    created_at       TEXT        NOT NULL,
    started_at       TEXT       ,
    finished_at      TEXT       ,
    deadline_at      TEXT       ,
    updated_at       TEXT        NOT NULL
);

-- Idempotent submission: a second run with the same key is refused by the database even when two requests race.
CREATE UNIQUE INDEX ux_automation_runs_idempotency ON automation_runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_automation_runs_state ON automation_runs (state, created_at);
CREATE INDEX ix_automation_runs_created ON automation_runs (created_at, id);
CREATE INDEX ix_automation_runs_repository ON automation_runs (repository, created_at);

CREATE TABLE automation_steps (
    run_id           TEXT        NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    name             TEXT        NOT NULL,
    ordinal          INTEGER     NOT NULL,
    state            TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL DEFAULT 0,
    budget_start     INTEGER     NOT NULL DEFAULT 0,
    not_before       TEXT       ,
    lease_owner      TEXT,
    lease_expires_at TEXT       ,
    started_at       TEXT       ,
    finished_at      TEXT       ,
    error            TEXT,
    PRIMARY KEY (run_id, name)
);

-- The claim query: ready steps whose backoff is over, and running steps whose lease expired.
CREATE INDEX ix_automation_steps_claim ON automation_steps (state, not_before);

CREATE TABLE automation_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id         TEXT        NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    step           TEXT        NOT NULL,
    number         INTEGER     NOT NULL,
    state          TEXT        NOT NULL,
    instance       TEXT        NOT NULL,
    job_id         TEXT,
    exit_code      INTEGER,
    error          TEXT,
    started_at     TEXT        NOT NULL,
    finished_at    TEXT       ,
    job_started_at TEXT       ,
    job_finished_at TEXT       ,
    UNIQUE (run_id, step, number)
);

CREATE TABLE automation_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  TEXT        NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    at      TEXT        NOT NULL,
    kind    TEXT        NOT NULL,
    step    TEXT,
    attempt INTEGER,
    message TEXT        NOT NULL
);

CREATE INDEX ix_automation_events_run ON automation_events (run_id, id);

-- The retention purge: job log lines older than the artifact retention (state events stay).
CREATE INDEX ix_automation_events_logs ON automation_events (at) WHERE kind IN ('stdout', 'stderr');

CREATE TABLE automation_artifacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       TEXT        NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    step         TEXT,
    name         TEXT        NOT NULL,
    content_type TEXT        NOT NULL,
    size         BIGINT      NOT NULL,
    sha256       TEXT        NOT NULL,
    content      BLOB        NOT NULL,
    created_at   TEXT        NOT NULL,
    expires_at   TEXT        NOT NULL,
    UNIQUE (run_id, name)
);

CREATE INDEX ix_automation_artifacts_expires ON automation_artifacts (expires_at);

-- Draft pull requests opened by runs: for the local target this table is the pull request; for GitHub it records the one opened there.
CREATE TABLE automation_pull_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT        NOT NULL UNIQUE REFERENCES automation_runs (id) ON DELETE CASCADE,
    target      TEXT        NOT NULL,
    repository  TEXT        NOT NULL,
    number      BIGINT,
    url         TEXT,
    base_branch TEXT        NOT NULL,
    head_branch TEXT        NOT NULL,
    head_commit TEXT        NOT NULL,
    title       TEXT        NOT NULL,
    body        TEXT        NOT NULL,
    draft       INTEGER     NOT NULL,
    state       TEXT        NOT NULL,
    files       TEXT        NOT NULL,
    created_at  TEXT        NOT NULL,
    updated_at  TEXT        NOT NULL
);
