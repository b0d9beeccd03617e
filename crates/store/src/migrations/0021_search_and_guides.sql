-- The portal's search: what each item version is found by (its name, aliases and
-- themes, lower-cased, filled in by the store), and the synonyms typed words are
-- widened with (身份证 → 居民身份证), kept by administrators.
ALTER TABLE item_versions ADD COLUMN search_text TEXT;
CREATE TABLE search_synonyms (
    id {id},
    term TEXT NOT NULL UNIQUE,
    means TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
INSERT INTO search_synonyms (term, means, created_at, created_by) VALUES
    ('身份证', '居民身份证', '2026-12-05T00:00:00+08:00', 'system'),
    ('二代证', '居民身份证', '2026-12-05T00:00:00+08:00', 'system'),
    ('社保卡', '社会保障卡', '2026-12-05T00:00:00+08:00', 'system'),
    ('社保', '社会保险、社会保障', '2026-12-05T00:00:00+08:00', 'system'),
    ('医保', '医疗保险、医疗保障', '2026-12-05T00:00:00+08:00', 'system'),
    ('个体户', '个体工商户', '2026-12-05T00:00:00+08:00', 'system'),
    ('结婚', '婚姻登记、结婚', '2026-12-05T00:00:00+08:00', 'system'),
    ('离婚', '婚姻登记、离婚', '2026-12-05T00:00:00+08:00', 'system'),
    ('户口', '户口、户籍', '2026-12-05T00:00:00+08:00', 'system'),
    ('落户', '户口迁移、出生登记、入户', '2026-12-05T00:00:00+08:00', 'system'),
    ('上户口', '出生登记、户口迁移、入户', '2026-12-05T00:00:00+08:00', 'system'),
    ('驾照', '驾驶证', '2026-12-05T00:00:00+08:00', 'system'),
    ('补办', '补领、补发、补换、补证', '2026-12-05T00:00:00+08:00', 'system'),
    ('公积金', '住房公积金', '2026-12-05T00:00:00+08:00', 'system'),
    ('低保', '最低生活保障', '2026-12-05T00:00:00+08:00', 'system'),
    ('房产证', '不动产', '2026-12-05T00:00:00+08:00', 'system'),
    ('过户', '转移登记', '2026-12-05T00:00:00+08:00', 'system'),
    ('准生证', '生育登记', '2026-12-05T00:00:00+08:00', 'system'),
    ('开公司', '企业设立登记', '2026-12-05T00:00:00+08:00', 'system'),
    ('注册公司', '企业设立登记', '2026-12-05T00:00:00+08:00', 'system'),
    ('开饭店', '食品经营许可', '2026-12-05T00:00:00+08:00', 'system'),
    ('餐饮', '食品经营、餐饮', '2026-12-05T00:00:00+08:00', 'system'),
    ('失业金', '失业保险金', '2026-12-05T00:00:00+08:00', 'system'),
    ('养老金', '养老保险、退休', '2026-12-05T00:00:00+08:00', 'system'),
    ('残疾证', '残疾人证', '2026-12-05T00:00:00+08:00', 'system'),
    ('港澳通行证', '往来港澳通行证', '2026-12-05T00:00:00+08:00', 'system'),
    ('台湾通行证', '往来台湾通行证', '2026-12-05T00:00:00+08:00', 'system'),
    ('通电', '用电报装', '2026-12-05T00:00:00+08:00', 'system'),
    ('装电表', '用电报装', '2026-12-05T00:00:00+08:00', 'system'),
    ('施工证', '施工许可', '2026-12-05T00:00:00+08:00', 'system'),
    ('老年证', '老年人优待证', '2026-12-05T00:00:00+08:00', 'system'),
    ('营业执照变更', '变更登记', '2026-12-05T00:00:00+08:00', 'system');

-- Service guides a citizen can act on: each point's opening hours and phone, and
-- where a window is (floor, area, number).
ALTER TABLE points ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE points ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE windows ADD COLUMN location TEXT NOT NULL DEFAULT '';

-- Photos sent with a 12345 web request (checked like the applicants' uploads; kept
-- for the staff who handle the order, never published).
CREATE TABLE order_photos (
    id {id},
    order_id BIGINT NOT NULL REFERENCES work_orders(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX order_photos_order ON order_photos (order_id);
