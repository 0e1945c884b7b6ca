"""Items and categories of the store catalogue."""
