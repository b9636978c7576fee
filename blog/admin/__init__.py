"""The staff area: posts, moderation queue, users and settings."""
