-- Overdue demands escalate to the platform operator: `escalate` becomes an event action.
ALTER TABLE share_demand_events DROP CONSTRAINT share_demand_events_action_check;
ALTER TABLE share_demand_events ADD CONSTRAINT share_demand_events_action_check
    CHECK (action IN ('post', 'route', 'answer', 'close', 'reopen', 'escalate'));
