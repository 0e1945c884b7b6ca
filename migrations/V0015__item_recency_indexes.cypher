// Serving derives vectors for items added after the model from their graph neighbourhood:
// items newer than the model's snapshot, and a few items of the same category.
CREATE RANGE INDEX item_created_at IF NOT EXISTS FOR (i:Item) ON (i.created_at);
CREATE RANGE INDEX item_category IF NOT EXISTS FOR (i:Item) ON (i.category);
