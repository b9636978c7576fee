"""Comments: posting, threads, moderation rules, spam checks."""
