-- 送达 (行政许可法第四十四条): a decision is delivered within ten working days of being
-- made. `deliver_by` is the clock, set when a decision is made from now on (cases
-- decided before this migration have no clock); the delivery itself is the method,
-- the day, who received it and the post's tracking number.
ALTER TABLE cases ADD COLUMN deliver_by TEXT;
ALTER TABLE cases ADD COLUMN delivered_on TEXT;
ALTER TABLE cases ADD COLUMN delivery_method TEXT;
ALTER TABLE cases ADD COLUMN delivery_to TEXT;
ALTER TABLE cases ADD COLUMN delivery_ref TEXT;
CREATE INDEX cases_undelivered ON cases (deliver_by) WHERE delivered_on IS NULL;
