"""One way to write a date per language (settings.FORMAT_MODULE_PATH): every page, export
heading and message shows dates as `SHORT_DATE_FORMAT` (`core.text.show_date` in Python), as the
browser's own date fields do for that language. Stored values and the API stay ISO 8601."""
