# US English: month/day/year, as US forms and the browser's date fields write it.
DATE_FORMAT = "m/d/Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
