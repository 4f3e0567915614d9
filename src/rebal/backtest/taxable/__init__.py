"""Taxable backtests: lots through the tax ledger, yearly tax bills, loss harvesting."""
