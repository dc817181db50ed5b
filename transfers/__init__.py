"""Bringing a network's data in from spreadsheets, and taking it out (exports, 360Giving, JSON API)."""
