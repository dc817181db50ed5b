"""The evaluation report: paired statistics, suppression, charts."""
