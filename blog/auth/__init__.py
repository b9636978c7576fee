"""Staff login, social login for readers, and account pages."""
