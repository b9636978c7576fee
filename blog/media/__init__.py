"""Image uploads: checked with Pillow, re-encoded without metadata, resized, stored behind an interface."""
