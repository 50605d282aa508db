-- One authoritative source (一数一源): for a standard data element (e.g. 姓名), the resource whose
-- values are authoritative, and the key element that matches records across resources (e.g.
-- 公民身份号码). Other resources carrying both elements are compared against it at every check.
CREATE TABLE govern_authorities (
    element         TEXT PRIMARY KEY,
    resource        TEXT NOT NULL,
    key_element     TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    designated_by   BIGINT,
    designated_at   BIGINT NOT NULL
);
