//! The bounds of every input, in one place: how long each kind of text may be, how many
//! items each list may hold, and which characters no text may contain. Every command
//! checks its fields here before it touches the database, whichever door it came in by
//! (GraphQL, the command line, an imported table), and a violation is BAD_USER_INPUT
//! naming the field; nothing is stored.

use crate::error::{AppError, AppResult, Reason};

/// Maximum lengths in characters, and counts, documented in the README ("Limits").
pub mod max {
    /// A person's name (display name, real name), a skill.
    pub const NAME: usize = 32;
    /// A title: of a plan, an activity, a survey; a choice option.
    pub const TITLE: usize = 200;
    /// A short label: a time label, a location, a department, a community, a district, an
    /// issuing body, a category.
    pub const LABEL: usize = 100;
    /// An idempotency key.
    pub const KEY: usize = 128;
    /// An address.
    pub const ADDRESS: usize = 200;
    /// One item of a list of content or commitments, a question's prompt.
    pub const ITEM: usize = 500;
    /// A reason, a note, a resolution.
    pub const NOTE: usize = 1_000;
    /// A description, a text answer.
    pub const TEXT: usize = 2_000;
    /// A search string.
    pub const SEARCH: usize = 100;
    /// A plan table as text (CSV).
    pub const TABLE_BYTES: usize = 1 << 20;

    /// Content items of an activity, commitments of a pairing.
    pub const ITEMS: usize = 50;
    /// Locations of an activity.
    pub const LOCATIONS: usize = 20;
    /// Lead departments of an activity.
    pub const DEPARTMENTS: usize = 10;
    /// A volunteer's skills.
    pub const SKILLS: usize = 20;
    /// Ids named in one request (records reviewed at once, options chosen).
    pub const IDS: usize = 100;
    /// Questions of a survey (and answers of a response), options of a question.
    pub const QUESTIONS: usize = 100;
    pub const OPTIONS: usize = 50;
    /// Rows of one imported plan table.
    pub const PLAN_ROWS: usize = 500;
}

fn refused_characters(field: &str) -> AppError {
    AppError::input(field, Reason::ForbiddenCharacters)
}

fn too_long(field: &str, max: usize) -> AppError {
    AppError::input(field, Reason::TooLong { max })
}

/// One line of text, trimmed: 1 to `max` characters, no line breaks, tabs or controls.
pub fn line(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::input(field, Reason::Required));
    }
    if value
        .chars()
        .any(|c| c.is_control() || forbidden_character(c))
    {
        return Err(refused_characters(field));
    }
    if value.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(value.to_owned())
}

/// An optional line: absent or blank is `None`.
pub fn optional_line(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => line(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// Text that may run over lines (line breaks and tabs kept), trimmed: 1 to `max`
/// characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::input(field, Reason::Required));
    }
    if value.chars().any(forbidden_character) {
        return Err(refused_characters(field));
    }
    if value.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(value.to_owned())
}

/// Optional text: absent or blank is `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => text(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// At most `max` items.
pub fn count<T>(field: &str, items: &[T], max: usize) -> AppResult<()> {
    if items.len() > max {
        return Err(AppError::input(field, Reason::TooMany { max }));
    }
    Ok(())
}

/// A list of lines: at most `max_items`, each a [`line`] of at most `max_chars`; blank
/// items are dropped.
pub fn lines(
    field: &str,
    items: &[String],
    max_items: usize,
    max_chars: usize,
) -> AppResult<Vec<String>> {
    count(field, items, max_items)?;
    items
        .iter()
        .filter(|item| !item.trim().is_empty())
        .map(|item| line(field, item, max_chars))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: AppResult<String>) -> String {
        match result {
            Err(AppError::Refused {
                field: Some(field), ..
            }) => field,
            other => panic!("expected BadInput, got {other:?}"),
        }
    }

    #[test]
    fn lines_refuse_breaks_controls_and_length() {
        assert_eq!(line("title", "  助老  ", 10).unwrap(), "助老");
        assert_eq!(field_of(line("title", "a\nb", 10)), "title");
        assert_eq!(field_of(line("title", "a\tb", 10)), "title");
        assert_eq!(field_of(line("title", "a\u{0}b", 10)), "title");
        assert_eq!(field_of(line("title", "\u{202e}ab", 10)), "title");
        assert_eq!(field_of(line("title", &"字".repeat(11), 10)), "title");
        assert!(line("title", &"字".repeat(10), 10).is_ok());
        assert_eq!(field_of(line("title", "   ", 10)), "title");
    }

    #[test]
    fn text_keeps_line_breaks_and_tabs() {
        assert_eq!(
            text("note", "第一行\n\t第二行", 20).unwrap(),
            "第一行\n\t第二行"
        );
        assert_eq!(field_of(text("note", "a\u{1b}b", 20)), "note");
        assert!(optional_text("note", Some("  "), 20).unwrap().is_none());
    }

    #[test]
    fn lists_are_counted_and_each_item_bounded() {
        let items = vec!["a".to_owned(); 3];
        assert!(lines("items", &items, 2, 10).is_err());
        assert_eq!(lines("items", &items, 3, 10).unwrap().len(), 3);
        assert!(lines("items", &["x".repeat(11)], 3, 10).is_err());
        assert!(lines("items", &["".to_owned()], 3, 10).unwrap().is_empty());
    }
}

/// One field of a change: left as it is, cleared, or set. (GraphQL's `MaybeUndefined`
/// becomes this at the edge.)
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Change<T> {
    pub fn is_keep(&self) -> bool {
        matches!(self, Change::Keep)
    }

    /// The new value (`None` when cleared), or `None` when kept.
    pub fn new_value(self) -> Option<Option<T>> {
        match self {
            Change::Keep => None,
            Change::Clear => Some(None),
            Change::Set(value) => Some(Some(value)),
        }
    }

    /// The value after the change, given the current one.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        self.new_value().unwrap_or(current)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Change<U> {
        match self {
            Change::Keep => Change::Keep,
            Change::Clear => Change::Clear,
            Change::Set(value) => Change::Set(f(value)),
        }
    }

    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Change<U>, E> {
        Ok(match self {
            Change::Keep => Change::Keep,
            Change::Clear => Change::Clear,
            Change::Set(value) => Change::Set(f(value)?),
        })
    }
}

/// Characters no text of this API may hold: C0 and C1 controls but tab, line feed and
/// carriage return (NUL breaks PostgreSQL text, ESC drives terminals), and the bidirectional
/// overrides that make a name read backwards (U+202A–U+202E, U+2066–U+2069). Single-line
/// fields also refuse tabs and line breaks ([`crate::domain::input`]).
pub fn forbidden_character(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A LIKE pattern matching `search` anywhere, its wildcards escaped with `!` (a backslash
/// would need different quoting on each backend): use with `LikeExpr::escape('!')`.
pub fn like_pattern(search: &str) -> String {
    let escaped = search
        .trim()
        .replace('!', "!!")
        .replace('%', "!%")
        .replace('_', "!_");
    format!("%{escaped}%")
}
