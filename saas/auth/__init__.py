"""Accounts, memberships, login sessions."""
