"""The reading site's views, one module per kind of page."""
