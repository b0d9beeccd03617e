-- The lots (标段、采购包) a tender divides a trading project into, and the bids
-- received (开标记录) as the candidates and result announcements list them; JSON
-- arrays as the suppliers are.
ALTER TABLE trading_notices ADD COLUMN lots TEXT NOT NULL DEFAULT '[]';
ALTER TABLE trading_notices ADD COLUMN bids TEXT NOT NULL DEFAULT '[]';
