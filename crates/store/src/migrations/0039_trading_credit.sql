-- Credit information of bidders and suppliers (信用信息): administrative penalties and
-- bad-conduct records the trading systems send, each with the day decided and the day
-- its publication ends; the public sees those still in force.
CREATE TABLE trading_credit (
    id {id},
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    subject_code TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    authority TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX trading_credit_subject ON trading_credit (subject_code, valid_until);
CREATE INDEX trading_credit_valid ON trading_credit (valid_until, decided_on);
