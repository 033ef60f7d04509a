-- A new eSIM whose validity starts at install ([lines] validity_start = "at_install"):
-- its periods are placed provisionally from this latest start, and the first use (or
-- this time passing) opens them. NULL once opened, and for every line sold at_payment.
ALTER TABLE lines ADD COLUMN opens_by BIGINT;
CREATE INDEX lines_opens_by ON lines (opens_by) WHERE opens_by IS NOT NULL;
