-- Leases are fenced on a token that every claim and takeover of a step writes anew. (instance, attempt) was not enough: an
-- instance whose lease ran out while the database was unreachable could take its own step over, keeping both, and then two
-- of its executors renewed and completed the same step.
ALTER TABLE automation_steps ADD COLUMN lease_token TEXT;
