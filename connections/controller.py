"""Connection pages (the web layer comes in the next step)."""
