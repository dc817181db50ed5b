"""Recognising members' time: meetings and votes they took part in, payments, expenses, yearly totals."""
