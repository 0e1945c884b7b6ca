// Placements (decisions): one node per placement, every version kept.
CREATE CONSTRAINT placement_placement_id IF NOT EXISTS FOR (p:Placement) REQUIRE p.placement_id IS UNIQUE;
CREATE CONSTRAINT placement_version_id IF NOT EXISTS FOR (v:PlacementVersion) REQUIRE (v.placement_id, v.version) IS UNIQUE;
