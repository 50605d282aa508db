-- Standards (数据标准): the registry of standard data elements (数据元) that catalogue items refer
-- to, and the classification suggestions (分类分级建议) detectors make from a resource's values.
-- Item security levels themselves stay in the catalogue entry body; changes to them are
-- recorded as catalogue events and in the audit trail.
CREATE TABLE data_elements (
    id              TEXT PRIMARY KEY,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    definition      TEXT NOT NULL,
    data_type       TEXT NOT NULL,
    format          TEXT NOT NULL,
    length          INTEGER,
    value_domain    TEXT NOT NULL,
    code_list       TEXT NOT NULL DEFAULT '[]',
    aliases         TEXT NOT NULL DEFAULT '[]',
    standard_ref    TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('active', 'deprecated')),
    version         INTEGER NOT NULL,
    updated_by      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX data_elements_name ON data_elements(name_zh);

CREATE TABLE grading_suggestions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id        INTEGER NOT NULL,
    code            TEXT NOT NULL,
    item_name       TEXT NOT NULL,
    detector        TEXT NOT NULL,
    sampled         INTEGER NOT NULL,
    matched         INTEGER NOT NULL,
    ratio           REAL NOT NULL,
    current_level   TEXT NOT NULL,
    proposed_level  TEXT NOT NULL,
    table_version   INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'dismissed')),
    created_at      INTEGER NOT NULL,
    decided_by      INTEGER,
    decided_at      INTEGER
);
CREATE INDEX grading_suggestions_entry ON grading_suggestions(entry_id, state);
