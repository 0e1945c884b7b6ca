// Segment windows start from events of one type in a time range: one composite seek.
CREATE RANGE INDEX event_type_ts IF NOT EXISTS FOR (e:Event) ON (e.type, e.ts);
// Every uploaded version of a segment, looked up by (segment_id, version).
CREATE CONSTRAINT segment_version_id IF NOT EXISTS FOR (v:SegmentVersion) REQUIRE (v.segment_id, v.version) IS UNIQUE;
// Membership history of one user across segments.
CREATE RANGE INDEX membership_change_user IF NOT EXISTS FOR (m:MembershipChange) ON (m.user_id);
