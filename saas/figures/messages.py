"""Messages of the figures import (files and the entry grid), in the user's language.

Message ids are English and go through gettext, so the German catalogue carries the German
texts like every other message of the app. :func:`message` renders one in a given locale,
numbers in that locale's notation (decimal comma in German).
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext, ngettext

from saas.core.formatting import plain_number


def N_(msgid: str) -> str:  # noqa: N802 - the gettext marker babel extracts
    """Mark a message id for extraction; translated later by :func:`message`."""
    return msgid


MESSAGES: dict[str, str] = {
    "too_large": N_("The file is larger than 50 MB (%(size)s MB) and is not processed."),
    "empty": N_("The file is empty."),
    "no_data": N_("The file contains only the header row but no values."),
    "not_utf8": N_(
        "The file is not UTF-8 encoded (invalid byte at position %(pos)s). Please save it "
        "as “CSV UTF-8”."
    ),
    "unreadable_csv": N_("The CSV file cannot be read: %(detail)s"),
    "unreadable": N_("The file cannot be read (%(detail)s)."),
    "over_limit": N_("The file was not read to its end: %(detail)s"),
    "too_many_errors": N_(
        "More than %(limit)s rows have errors, so reading stopped here. Please correct these first."
    ),
    "bad_xlsx": N_("The file is not a valid XLSX file (%(detail)s)."),
    "old_excel": N_(
        "The old Excel format (.xls) is not supported. Please save as .xlsx or CSV (UTF-8)."
    ),
    "wrong_delimiter": N_(
        "The header row cannot be split into the columns %(columns)s: wrong delimiter "
        "(allowed: comma, semicolon, tab) or missing column."
    ),
    "missing_column": N_(
        "Missing column “%(column)s” in the header row (expected: %(columns)s; wrong delimiter?)."
    ),
    "extra_column": N_("Unknown column “%(column)s” (only %(columns)s are allowed)."),
    "duplicate_column": N_("The column “%(column)s” appears more than once in the header row."),
    "unnamed_column": N_("Value in a column without a header."),
    "too_few_fields": N_(
        "The row has only %(found)s of %(expected)s columns (wrong delimiter or missing field?)."
    ),
    "too_many_fields": N_("The row has %(found)s columns, the header row only %(expected)s."),
    "formula": N_("Formula in cell not allowed – please paste values only."),
    "required": N_("The field is empty."),
    "unknown_area": N_("Unknown area “%(code)s”."),
    "unknown_metric": N_("Unknown metric “%(code)s”."),
    "rollup": N_("The metric “%(code)s” is computed from the activities and cannot be imported."),
    "period_format": N_("Invalid period “%(period)s”: expected YYYY-MM (month 01–12) or YYYY."),
    "period_month": N_(
        "Invalid period “%(period)s”: the metric %(code)s is monthly, expected YYYY-MM "
        "with month 01–12."
    ),
    "period_year": N_("Invalid period “%(period)s”: the metric %(code)s is yearly, expected YYYY."),
    "not_a_number": N_("“%(value)s” is not a number."),
    "too_big": N_("The value %(value)s is implausibly large."),
    "negative": N_("Negative value %(value)s not allowed."),
    "below_min": N_("The value %(value)s is below the minimum %(min)s."),
    "above_max": N_("The value %(value)s is above the maximum %(max)s."),
    "not_integer": N_("The value %(value)s must be a whole number (metric %(code)s)."),
    "duplicate": N_(
        "Duplicate entry: row %(row)s and row %(first)s have the same area, metric and "
        "period (%(codes)s)."
    ),
    "locked": N_(
        "The period %(period)s of area %(area)s is submitted or approved and cannot be changed."
    ),
    "part_gt_total_file": N_(
        "The value %(value)s of %(code)s is larger than the total %(total_code)s "
        "(%(total)s, row %(total_row)s) for the same area and period."
    ),
    "part_gt_total_db": N_(
        "The value %(value)s of %(code)s is larger than the stored total %(total_code)s "
        "(%(total)s) for the same area and period."
    ),
    "total_lt_part_db": N_(
        "The value %(value)s of %(code)s is smaller than the stored part %(part_code)s "
        "(%(part)s) for the same area and period."
    ),
    "parts_gt_total": N_(
        "The parts of %(total_code)s add up to %(sum)s (%(parts)s), more than the total "
        "%(total)s for the same area and period."
    ),
    "above_related": N_(
        "The value %(value)s of %(code)s is larger than %(other_code)s (%(other)s) for the "
        "same area and period; it may be at most that."
    ),
    "double_entry": N_(
        "%(code)s for %(period)s is already entered for %(other)s, which contains or lies "
        "inside %(area)s: a metric is entered on one level of an area tree only, otherwise "
        "its cases are counted twice."
    ),
    "warn_high": N_(
        "The value %(value)s is more than %(factor)s times the value of the same period "
        "of the previous year %(prev_period)s (%(prev)s)."
    ),
    "warn_low": N_(
        "The value %(value)s is less than 1/%(factor)s of the value of the same period of "
        "the previous year %(prev_period)s (%(prev)s)."
    ),
    "file_error": N_("The file cannot be processed (%(detail)s)."),
}


def lang_of(locale: str | None) -> str:
    """'en' or 'de' (the import speaks the two languages of the app)."""
    return "en" if str(locale or "de").lower().startswith("en") else "de"


def message(key: str, locale: str = "de", /, **params: Any) -> str:
    """The text of one message in ``locale``."""
    lang = lang_of(locale)
    params = {k: _fmt(v, lang) if isinstance(v, float) else v for k, v in params.items()}
    with force_locale(lang):
        return gettext(MESSAGES[key], **params)


def summary_text(
    locale: str | None, *, created: int, updated: int, unchanged: int, errors: int, warnings: int
) -> str:
    """One line, e.g. "12 neue Werte, 3 geänderte Werte, 40 unverändert"."""
    with force_locale(lang_of(locale)):
        if not created and not updated:
            text = gettext("No changes")
        else:
            text = ", ".join(
                (
                    ngettext("%(num)d new value", "%(num)d new values", created),
                    ngettext("%(num)d changed value", "%(num)d changed values", updated),
                    gettext("%(num)d unchanged", num=unchanged),
                )
            )
        if errors:
            text += " – " + ngettext(
                "%(num)d error, nothing will be imported",
                "%(num)d errors, nothing will be imported",
                errors,
            )
        if warnings:
            text += ", " + ngettext("%(num)d warning", "%(num)d warnings", warnings)
    return text


def _fmt(value: float, lang: str = "de") -> str:
    text = format_number(value)
    return text.replace(".", ",") if lang == "de" else text


def format_number(value: float) -> str:
    """Plain notation, integers without '.0', decimals with '.' (the app's one formatter)."""
    return plain_number(value)
