"""Exports a 政务公开办 sends upward: the audit as a workbook and as a printable page."""
