// Range indexes for timeline reads and segment windows.
CREATE RANGE INDEX event_ts IF NOT EXISTS FOR (e:Event) ON (e.ts);
CREATE RANGE INDEX event_type IF NOT EXISTS FOR (e:Event) ON (e.type);
