// Uniqueness for every id the product looks things up by.
CREATE CONSTRAINT user_user_id IF NOT EXISTS FOR (u:User) REQUIRE u.user_id IS UNIQUE;
CREATE CONSTRAINT item_item_id IF NOT EXISTS FOR (i:Item) REQUIRE i.item_id IS UNIQUE;
CREATE CONSTRAINT event_event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.event_id IS UNIQUE;
CREATE CONSTRAINT segment_segment_id IF NOT EXISTS FOR (s:Segment) REQUIRE s.segment_id IS UNIQUE;
CREATE CONSTRAINT purpose_name IF NOT EXISTS FOR (p:Purpose) REQUIRE p.name IS UNIQUE;
CREATE CONSTRAINT identity_kind_value IF NOT EXISTS FOR (i:Identity) REQUIRE (i.kind, i.value) IS UNIQUE;
CREATE CONSTRAINT category_name IF NOT EXISTS FOR (c:Category) REQUIRE c.name IS UNIQUE;
CREATE CONSTRAINT api_key_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.key_id IS UNIQUE;
