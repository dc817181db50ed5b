"""SWEMWBS forms and scoring."""
