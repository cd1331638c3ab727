"""Numbered schema migrations (plain SQL) and the public views.

Rules:
- A migration is never edited after release; a change is a new migration appended to MIGRATIONS.
- Every migration runs inside the caller's transaction together with its ``schema_version`` row,
  so a crash leaves the file at the previous version, never half-upgraded.
- Views are the public API (README); they are dropped and recreated after any upgrade, so they
  always match the code. Views only use core SQL (no extension needed by analysts' tools);
  calendar dates in Korea time are stored (``published_date``) instead of computed with ICU.
"""
from __future__ import annotations

APP_ID = "alliance-radar"

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "core tables: runs, sources, fetch_log, articles, raw html, organisations, events", """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    app         VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR,
    params      JSON,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,          -- running | ok | failed | ...
    counts      JSON,
    error       VARCHAR
);

-- one row per feed: the state the flow needs between passes, and health figures
CREATE TABLE sources (
    feed_url             VARCHAR PRIMARY KEY,
    outlet               VARCHAR,
    kind                 VARCHAR,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TIMESTAMPTZ,
    last_fetched_at      TIMESTAMPTZ,
    last_success_at      TIMESTAMPTZ,
    last_error           VARCHAR,
    last_error_at        TIMESTAMPTZ,
    first_seen_at        TIMESTAMPTZ NOT NULL
);

-- every feed poll and page fetch, with the failure reason
CREATE SEQUENCE fetch_log_seq;
CREATE TABLE fetch_log (
    fetch_id     BIGINT PRIMARY KEY DEFAULT nextval('fetch_log_seq'),
    run_id       VARCHAR,
    kind         VARCHAR NOT NULL,          -- feed | page
    url          VARCHAR NOT NULL,
    feed_url     VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,          -- feed: ok|not_modified|error|skipped; page: ok|error
    http_status  INTEGER,
    reason       VARCHAR,                   -- machine code (timeout, http_404, not_xml, not_html, empty, no_article, ...)
    error        VARCHAR,                   -- full message
    content_type VARCHAR,
    bytes        INTEGER,
    entries      INTEGER,
    new_entries  INTEGER,
    encoding     VARCHAR,
    elapsed_ms   INTEGER
);

-- one row per canonical URL
CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,
    url               VARCHAR NOT NULL,      -- as fetched (first time)
    canonical_url     VARCHAR NOT NULL,
    outlet            VARCHAR,
    title             VARCHAR,
    authors           VARCHAR[],
    published_at      TIMESTAMPTZ,
    published_date    DATE,                  -- calendar date in Korea time (KST)
    language          VARCHAR,
    body              VARCHAR,
    content_hash      VARCHAR NOT NULL,      -- sha1 of the whitespace-normalized body
    extractor_version VARCHAR,
    is_alliance       BOOLEAN NOT NULL,
    score             DOUBLE,
    alliance          VARCHAR,
    event             VARCHAR,
    event_date        DATE,
    evidence          JSON,
    feed_url          VARCHAR,
    fetched_at        TIMESTAMPTZ,
    first_seen_at     TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    first_run_id      VARCHAR,
    last_run_id       VARCHAR,
    row_hash          VARCHAR NOT NULL       -- hash of every stored field: unchanged input -> no write
);

-- every URL form seen for an article (as fetched, canonical, mobile/AMP variants)
CREATE TABLE article_urls (
    url        VARCHAR PRIMARY KEY,
    article_id VARCHAR NOT NULL
);

-- extractor/scorer version history: one row per distinct (article, extractor version, content)
CREATE TABLE article_versions (
    article_id        VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    content_hash      VARCHAR NOT NULL,
    title             VARCHAR,
    is_alliance       BOOLEAN,
    score             DOUBLE,
    recorded_at       TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR,
    PRIMARY KEY (article_id, extractor_version, content_hash)
);

-- raw page archive (zlib-compressed), pruned after raw_html_retention_days
CREATE TABLE raw_pages (
    url          VARCHAR PRIMARY KEY,
    article_id   VARCHAR,
    feed_url     VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    http_status  INTEGER,
    content_type VARCHAR,
    compression  VARCHAR NOT NULL,           -- zlib
    raw_size     INTEGER NOT NULL,
    raw_sha1     VARCHAR NOT NULL,
    raw          BLOB NOT NULL,
    entry        JSON,                       -- the feed item (fallback title/date for re-extraction)
    error        VARCHAR
);

CREATE TABLE organisations (
    org           VARCHAR PRIMARY KEY,       -- canonical gazetteer name (or unresolved surface form)
    resolved      BOOLEAN NOT NULL,
    org_type      VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE article_orgs (
    article_id VARCHAR NOT NULL,
    org        VARCHAR NOT NULL,
    mentions   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (article_id, org)
);

CREATE TABLE article_events (          -- the view alliance_events is the public form
    article_id VARCHAR NOT NULL,
    seq        INTEGER NOT NULL,             -- order within the article (0 = first)
    is_main    BOOLEAN NOT NULL,
    alliance   VARCHAR,                      -- NULL for an unnamed tie
    event      VARCHAR NOT NULL,
    event_date DATE,
    orgs       VARCHAR[] NOT NULL,
    evidence   VARCHAR,
    PRIMARY KEY (article_id, seq)
);
"""),
    (2, "stories, story clustering sketches, alert outbox", """
-- what story clustering compares: one row per alliance article
CREATE TABLE article_sketches (
    article_id     VARCHAR PRIMARY KEY,
    pub_date       DATE NOT NULL,            -- KST published date (fetch date when unknown)
    sketch_version VARCHAR NOT NULL,
    sketch         UINTEGER[] NOT NULL,      -- MinHash of character shingles of the clean text
    orgs           VARCHAR[] NOT NULL,       -- parties of the main event (else the resolved orgs)
    alliance       VARCHAR,
    event          VARCHAR,
    event_date     DATE
);

CREATE TABLE stories (
    story_id           VARCHAR PRIMARY KEY,
    lead_article_id    VARCHAR NOT NULL,     -- the first article seen
    title              VARCHAR,
    url                VARCHAR,
    outlet             VARCHAR,
    alliance           VARCHAR,
    event              VARCHAR,
    event_date         DATE,
    orgs               VARCHAR[],
    first_published_at TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    run_id             VARCHAR
);

CREATE TABLE story_articles (
    article_id VARCHAR PRIMARY KEY,          -- an article is in at most one story
    story_id   VARCHAR NOT NULL,
    similarity DOUBLE,                       -- match score against the story (NULL for the lead)
    reason     VARCHAR,                      -- lead | near_duplicate | same_event
    joined_at  TIMESTAMPTZ NOT NULL,
    run_id     VARCHAR
);

-- the alert channels the last loads were given (reprocess alerts new stories to them)
CREATE TABLE alert_channels (
    channel       VARCHAR PRIMARY KEY,
    first_used_at TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL
);

-- outbox: written in the same transaction as the story, delivered after commit
CREATE TABLE alerts (
    alert_id        VARCHAR PRIMARY KEY,     -- derived from (story_id, channel): one alert per story per channel
    story_id        VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,        -- pending | sent | failed
    created_at      TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TIMESTAMPTZ,
    last_error      VARCHAR,
    sent_at         TIMESTAMPTZ,
    response        VARCHAR
);
"""),
    (3, "event roles: what each organisation is to an alliance event (event_orgs)", """
-- one row per organisation of an alliance event: founder | joiner | leaver | listed_member | partner | mentioned
-- (extractors/models.py ROLES); alliance_members reads the member roles
CREATE TABLE event_orgs (
    article_id VARCHAR NOT NULL,
    seq        INTEGER NOT NULL,             -- the event (article_events.seq)
    org        VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,
    PRIMARY KEY (article_id, seq, org)
);

-- events stored before roles existed: each party takes its event's natural role (models.default_role);
-- `radar reprocess` replaces them with the classifier's roles
INSERT INTO event_orgs
SELECT DISTINCT e.article_id, e.seq, u.org,
       CASE WHEN e.event = 'founded' THEN 'founder'
            WHEN e.event = 'joined' THEN 'joiner'
            WHEN e.event = 'left' THEN 'leaver'
            WHEN e.event = 'rivalry' THEN 'mentioned'
            WHEN e.event IN ('summit', 'other') AND e.alliance IS NOT NULL THEN 'listed_member'
            ELSE 'partner' END
FROM article_events e, unnest(e.orgs) AS u(org);
"""),
]

SCHEMA_VERSION: int = MIGRATIONS[-1][0]

VIEWS = """
CREATE OR REPLACE VIEW alliance_news AS
SELECT a.published_at,
       a.outlet,
       a.title,
       a.url,
       coalesce((SELECT list(o.org ORDER BY o.mentions DESC, o.org) FROM article_orgs o
                 WHERE o.article_id = a.article_id), []::VARCHAR[]) AS organisations,
       a.score,
       a.alliance,
       a.event,
       a.event_date,
       sa.story_id,
       a.article_id,
       a.canonical_url
FROM articles a
LEFT JOIN story_articles sa USING (article_id)
WHERE a.is_alliance
ORDER BY a.published_at DESC NULLS LAST, a.article_id;

CREATE OR REPLACE VIEW alliance_stories AS
SELECT s.story_id,
       s.title,
       s.url,
       s.outlet,
       s.alliance,
       s.event,
       s.event_date,
       s.orgs,
       s.first_published_at,
       max(a.published_at)                                       AS last_published_at,
       count(*)                                                  AS article_count,
       count(DISTINCT a.outlet)                                  AS outlet_count,
       list(DISTINCT a.outlet ORDER BY a.outlet) FILTER (WHERE a.outlet IS NOT NULL) AS outlets,
       list(a.url ORDER BY a.published_at NULLS LAST, a.article_id) AS urls,
       s.created_at,
       EXISTS (SELECT 1 FROM alerts al WHERE al.story_id = s.story_id AND al.status = 'sent') AS alerted
FROM stories s
JOIN story_articles sa ON sa.story_id = s.story_id
JOIN articles a ON a.article_id = sa.article_id AND a.is_alliance
GROUP BY ALL
ORDER BY s.first_published_at DESC NULLS LAST, s.story_id;

CREATE OR REPLACE VIEW alliance_events AS
SELECT e.alliance, e.event, e.event_date, e.orgs, e.article_id, e.evidence
FROM article_events e
JOIN articles a ON a.article_id = e.article_id AND a.is_alliance
ORDER BY coalesce(e.event_date, a.published_date) DESC NULLS LAST, e.article_id, e.seq;

CREATE OR REPLACE VIEW alliance_members AS
WITH roles AS (      -- every role an organisation has in an event about a named alliance
    SELECT e.alliance, regexp_replace(lower(e.alliance), '\\s+', '', 'g') AS alliance_key, r.org, r.role,
           e.event_date, a.published_date, a.is_alliance, e.article_id
    FROM article_events e
    JOIN event_orgs r ON r.article_id = e.article_id AND r.seq = e.seq
    JOIN articles a ON a.article_id = e.article_id
    WHERE e.alliance IS NOT NULL
), spellings AS (
    SELECT alliance_key, alliance, count(*) AS n FROM roles GROUP BY ALL
), tracked AS (      -- alliances some AI-alliance article is about, under their most used spelling
    SELECT s.alliance_key, list(s.alliance ORDER BY s.n DESC, s.alliance)[1] AS alliance
    FROM spellings s
    WHERE s.alliance_key IN (SELECT alliance_key FROM roles WHERE is_alliance)
    GROUP BY s.alliance_key
), shown AS (        -- member evidence: a stated founding/joining date, else the article's date
    SELECT t.alliance, r.org, r.article_id, r.published_date AS reported_on,
           CASE WHEN r.role IN ('founder', 'joiner') AND r.event_date IS NOT NULL THEN r.event_date
                ELSE r.published_date END AS on_date,
           CASE WHEN r.role = 'founder' AND r.event_date IS NOT NULL THEN 'stated_founding'
                WHEN r.role = 'joiner' AND r.event_date IS NOT NULL THEN 'stated_join'
                ELSE 'listed_member' END AS basis
    FROM roles r JOIN tracked t USING (alliance_key)
    WHERE r.role IN ('founder', 'joiner', 'listed_member')
), left_events AS (
    SELECT t.alliance, r.org, coalesce(r.event_date, r.published_date) AS left_on
    FROM roles r JOIN tracked t USING (alliance_key)
    WHERE r.role = 'leaver' AND coalesce(r.event_date, r.published_date) IS NOT NULL
), members AS (
    SELECT alliance, org,
           min(on_date)                                                                        AS joined_on,
           arg_min(article_id, (on_date, basis = 'listed_member', article_id))                  AS article_id,
           arg_min(basis, (on_date, basis = 'listed_member', article_id))                       AS basis,
           min(reported_on)                                                                    AS first_reported_on,
           max(on_date)                                                                        AS last_shown_on
    FROM shown
    WHERE on_date IS NOT NULL
    GROUP BY alliance, org
)
SELECT m.alliance, m.org, m.joined_on, m.article_id, m.basis, m.first_reported_on,
       -- the latest departure after joining, unless the news shows it a member again afterwards
       (SELECT max(l.left_on) FROM left_events l
        WHERE l.alliance = m.alliance AND l.org = m.org AND l.left_on >= m.joined_on
        HAVING max(l.left_on) >= m.last_shown_on)                                            AS left_on
FROM members m
ORDER BY m.alliance, m.joined_on, m.org;

CREATE OR REPLACE VIEW org_network AS
SELECT x.org AS org_a,
       y.org AS org_b,
       count(*)                                  AS articles,
       count(DISTINCT sa.story_id)               AS stories,
       min(a.published_date)                     AS first_seen,
       max(a.published_date)                     AS last_seen
FROM article_orgs x
JOIN article_orgs y ON y.article_id = x.article_id AND x.org < y.org
JOIN articles a ON a.article_id = x.article_id AND a.is_alliance
LEFT JOIN story_articles sa ON sa.article_id = x.article_id
GROUP BY x.org, y.org
ORDER BY articles DESC, org_a, org_b;

CREATE OR REPLACE VIEW source_health AS
WITH f AS (
    SELECT feed_url,
           count(*) FILTER (WHERE fetched_at >= current_timestamp - INTERVAL 7 DAY)                          AS polls_7d,
           count(*) FILTER (WHERE fetched_at >= current_timestamp - INTERVAL 7 DAY AND status = 'error')     AS errors_7d
    FROM fetch_log WHERE kind = 'feed' GROUP BY feed_url
), p AS (
    SELECT feed_url,
           count(*) FILTER (WHERE first_seen_at >= current_timestamp - INTERVAL 7 DAY)                       AS items_7d,
           count(*) FILTER (WHERE first_seen_at >= current_timestamp - INTERVAL 7 DAY AND is_alliance)       AS alliance_7d,
           max(first_seen_at)                                                                              AS last_item_at
    FROM articles GROUP BY feed_url
)
SELECT s.feed_url,
       s.outlet,
       s.kind,
       s.last_success_at,
       s.last_error_at,
       s.last_error,
       s.consecutive_failures,
       s.next_attempt_at,
       round(coalesce(p.items_7d, 0) / 7.0, 2)    AS items_per_day,
       round(coalesce(p.alliance_7d, 0) / 7.0, 2) AS alliance_per_day,
       p.last_item_at,
       coalesce(f.polls_7d, 0)                   AS polls_7d,
       coalesce(f.errors_7d, 0)                  AS errors_7d
FROM sources s
LEFT JOIN f USING (feed_url)
LEFT JOIN p USING (feed_url)
ORDER BY s.consecutive_failures DESC, s.feed_url;
"""

VIEW_NAMES = ("alliance_news", "alliance_stories", "alliance_events", "alliance_members", "org_network",
              "source_health")


def split_sql(script: str) -> list[str]:
    """Statements of a script: '--' comments dropped first (our SQL has no '--' or ';' in literals)."""
    text = "\n".join(line.split("--", 1)[0].rstrip() for line in script.splitlines())
    return [stmt.strip() for stmt in text.split(";") if stmt.strip()]


def apply_migrations(con, current: int, upto: int | None = None) -> int:
    """Apply every migration after ``current`` (up to ``upto``) on an open connection inside
    the caller's transaction, then recreate the views. Returns the new version."""
    upto = SCHEMA_VERSION if upto is None else upto
    version = current
    for number, description, sql in MIGRATIONS:
        if number <= current or number > upto:
            continue
        for stmt in split_sql(sql):
            con.execute(stmt)
        con.execute("INSERT INTO schema_version (version, description, app) VALUES (?, ?, ?)",
                    [number, description, APP_ID])
        version = number
    if version != current or upto == SCHEMA_VERSION:
        create_views(con, version)
    return version


def create_views(con, version: int) -> None:
    """(Re)create the public views that exist at ``version``."""
    if version < 3:
        return  # views need the story tables (2) and the event roles (3)
    for stmt in split_sql(VIEWS):
        con.execute(stmt)
