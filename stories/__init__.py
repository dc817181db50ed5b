"""Community Reporter stories and wellbeing evaluation (SWEMWBS before and after)."""
