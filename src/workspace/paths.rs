//! Safe resolution of client-supplied relative paths under a root directory, and daily-note
//! file names.
//!
//! [`resolve_under`] first checks the text (no absolute paths, no `..`, no backslashes, no
//! percent-encoded dots or separators, no control characters, no `~` components, bounded length
//! and depth), then checks the file system: the deepest existing part of the joined path is
//! canonicalized and must stay under the root, so a symbolic link cannot lead outside it.
//!
//! The check is made at call time. A caller that then opens the path should still avoid
//! following a symlink swapped in afterwards (e.g. write to a temp file in the same directory and
//! rename it), as with any check-then-use.

use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// The longest requested path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 512;

/// The most components a requested path may have.
pub const MAX_COMPONENTS: usize = 32;

/// Why a requested path was refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The requested path is empty.
    #[error("the path is empty: give a path relative to the root, e.g. `memory/2026-01-31.md`")]
    Empty,
    /// The requested path is longer than [`MAX_PATH_BYTES`].
    #[error("the path is {len} bytes long; at most {MAX_PATH_BYTES} bytes are allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The requested path contains a NUL byte.
    #[error("the path contains a NUL byte")]
    NulByte,
    /// The requested path contains a control or bidirectional-override character.
    #[error("the path contains the control character {ch:?}")]
    ControlCharacter {
        /// The offending character.
        ch: char,
    },
    /// The requested path is absolute (`/x`, `\x`, `\\server\x`, `C:\x`, `C:x`).
    #[error("absolute paths are not allowed: give a path relative to the root")]
    Absolute,
    /// The requested path contains a backslash.
    #[error("backslashes are not allowed in paths: separate folders with `/`")]
    Backslash,
    /// The requested path contains a percent-encoded byte that could hide a `.`, `/`, `\`, a
    /// second round of encoding (`%25`), a control byte or an overlong UTF-8 lead byte.
    #[error(
        "the path contains the percent-encoded sequence {sequence:?}, which could hide a `.`, `/` or `\\`: send the path unencoded"
    )]
    EncodedSequence {
        /// The `%XX` sequence as written.
        sequence: String,
    },
    /// The requested path has a `..` component.
    #[error("`..` is not allowed in paths")]
    ParentComponent,
    /// A component starts with `~`.
    #[error("path components may not start with `~` (found {component:?})")]
    TildeComponent {
        /// The offending component.
        component: String,
    },
    /// The requested path has more than [`MAX_COMPONENTS`] components.
    #[error("the path has {count} components; at most {MAX_COMPONENTS} are allowed")]
    TooManyComponents {
        /// How many it has.
        count: usize,
    },
    /// The path resolves (through a symbolic link) to a place outside the root.
    #[error("{requested:?} leads outside the allowed folder through a symbolic link")]
    EscapesRoot {
        /// The path as requested.
        requested: String,
    },
    /// The path goes through a symbolic link whose target does not exist.
    #[error("{requested:?} goes through a symbolic link that points nowhere; refusing to follow it")]
    DanglingSymlink {
        /// The path as requested.
        requested: String,
    },
    /// The root itself cannot be resolved.
    #[error("cannot resolve the root folder {root}: {source}")]
    Root {
        /// The root given.
        root: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file system refused to tell where the path leads (permissions, a symlink loop, …).
    #[error("cannot resolve {path}: {source}")]
    Io {
        /// The path being resolved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// Resolves `requested` (a client-supplied, `/`-separated relative path) under `root`.
///
/// Empty and `.` components are skipped, so `"."` is the root itself. On success the result is
/// the canonical form of the deepest existing part of the path joined with the parts that do not
/// exist yet; it always lies under the (canonicalized) root.
///
/// # Errors
/// A [`PathError`] naming the first rule broken; text rules are checked before the file system.
pub fn resolve_under(root: &Path, requested: &str) -> Result<PathBuf, PathError> {
    let components = check_text(requested)?;
    let root = root.canonicalize().map_err(|source| PathError::Root { root: root.to_path_buf(), source })?;

    // Find the deepest prefix that exists (as an entry; it may be a symlink).
    let mut existing = components.len();
    let mut prefix = root.clone();
    prefix.extend(&components);
    loop {
        match std::fs::symlink_metadata(&prefix) {
            Ok(_) => break,
            Err(e) if existing > 0 && matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                existing -= 1;
                prefix.pop();
            }
            Err(source) => return Err(PathError::Io { path: prefix, source }),
        }
    }

    let canonical = match prefix.canonicalize() {
        Ok(canonical) => canonical,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(PathError::DanglingSymlink { requested: requested.to_owned() })
        }
        Err(source) => return Err(PathError::Io { path: prefix, source }),
    };
    if !canonical.starts_with(&root) {
        return Err(PathError::EscapesRoot { requested: requested.to_owned() });
    }
    let mut resolved = canonical;
    resolved.extend(&components[existing..]);
    Ok(resolved)
}

/// The text rules of [`resolve_under`]; returns the meaningful components.
fn check_text(requested: &str) -> Result<Vec<&str>, PathError> {
    if requested.is_empty() {
        return Err(PathError::Empty);
    }
    if requested.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong { len: requested.len() });
    }
    if requested.contains('\0') {
        return Err(PathError::NulByte);
    }
    if let Some(ch) = requested.chars().find(|c| is_forbidden_char(*c)) {
        return Err(PathError::ControlCharacter { ch });
    }
    let bytes = requested.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if requested.starts_with(['/', '\\']) || drive {
        return Err(PathError::Absolute);
    }
    if requested.contains('\\') {
        return Err(PathError::Backslash);
    }
    if let Some(sequence) = dangerous_percent_sequence(requested) {
        return Err(PathError::EncodedSequence { sequence: sequence.to_owned() });
    }
    let mut components = Vec::new();
    for component in requested.split('/') {
        match component {
            "" | "." => {}
            ".." => return Err(PathError::ParentComponent),
            c if c.starts_with('~') => return Err(PathError::TildeComponent { component: c.to_owned() }),
            c => components.push(c),
        }
    }
    if components.len() > MAX_COMPONENTS {
        return Err(PathError::TooManyComponents { count: components.len() });
    }
    Ok(components)
}

/// Control characters plus the Unicode bidirectional overrides that can disguise a name.
fn is_forbidden_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first `%XX` whose byte is `.`, `/`, `\`, `%`, a control byte or `0xC0`/`0xC1` (overlong
/// UTF-8 lead bytes that broken decoders turn into `.` or `/`).
fn dangerous_percent_sequence(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        if bytes[i] != b'%' {
            return None;
        }
        let hex = text.get(i + 1..i + 3)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let byte = u8::from_str_radix(hex, 16).ok()?;
        let dangerous = matches!(byte, b'.' | b'/' | b'\\' | b'%' | 0x00..=0x1F | 0x7F | 0xC0 | 0xC1);
        dangerous.then(|| &text[i..i + 3])
    })
}

/// The date of a daily note file name, `YYYY-MM-DD.md` (a real calendar date, ASCII digits,
/// lower-case `.md`); `None` for any other name.
#[must_use]
pub fn is_daily_note_name(name: &str) -> Option<NaiveDate> {
    let stem = name.strip_suffix(".md")?;
    let bytes = stem.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let year = stem[0..4].parse().ok()?;
    let month = stem[5..7].parse().ok()?;
    let day = stem[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::fs;

    /// A root with `docs/a.md`, `memory/`, and symlinks: `escape` → a folder outside the root
    /// holding `secret.txt`, `escape-file` → that file, `inside` → `docs`, `dangling` → a missing
    /// target, `loop` → itself.
    struct Fixture {
        _dirs: (tempfile::TempDir, tempfile::TempDir),
        root: PathBuf,
    }

    fn fixture() -> Fixture {
        let root_dir = tempfile::tempdir().unwrap();
        let outside_dir = tempfile::tempdir().unwrap();
        let root = root_dir.path().canonicalize().unwrap();
        let outside = outside_dir.path().canonicalize().unwrap();
        fs::create_dir(root.join("docs")).unwrap();
        fs::write(root.join("docs/a.md"), "# A").unwrap();
        fs::create_dir(root.join("memory")).unwrap();
        fs::write(outside.join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("escape")).unwrap();
        std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("escape-file")).unwrap();
        std::os::unix::fs::symlink(root.join("docs"), root.join("inside")).unwrap();
        std::os::unix::fs::symlink("docs/../../nowhere", root.join("dangling")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        Fixture { _dirs: (root_dir, outside_dir), root }
    }

    #[test]
    fn hostile_paths_are_rejected_with_the_rule_they_break() {
        let f = fixture();
        let too_long = "x".repeat(MAX_PATH_BYTES + 1);
        let too_deep = "a/".repeat(MAX_COMPONENTS + 1);
        let cases: Vec<(&str, &str)> = vec![
            ("", "Empty"),
            (&too_long, "TooLong"),
            ("a\0b", "NulByte"),
            ("docs/a.md\0.png", "NulByte"),
            ("a\nb", "ControlCharacter"),
            ("docs/\u{1b}[31m.md", "ControlCharacter"),
            ("\u{7f}", "ControlCharacter"),
            ("report\u{202e}dm.exe", "ControlCharacter"),
            ("/etc/passwd", "Absolute"),
            ("//etc/passwd", "Absolute"),
            ("C:\\Windows\\win.ini", "Absolute"),
            ("c:/x", "Absolute"),
            ("C:x", "Absolute"),
            ("\\\\server\\share", "Absolute"),
            ("\\x", "Absolute"),
            ("docs\\..\\..\\x", "Backslash"),
            ("%2e%2e/etc/passwd", "EncodedSequence"),
            ("%2E%2E%2Fetc", "EncodedSequence"),
            ("docs%2f..%2fx", "EncodedSequence"),
            ("..%5cx", "EncodedSequence"),
            ("%252e%252e/x", "EncodedSequence"),
            ("%c0%ae%c0%ae/x", "EncodedSequence"),
            ("docs/%00", "EncodedSequence"),
            ("../x", "ParentComponent"),
            ("..", "ParentComponent"),
            ("docs/../../x", "ParentComponent"),
            ("docs/..", "ParentComponent"),
            ("./../x", "ParentComponent"),
            ("~/x", "TildeComponent"),
            ("~root/.ssh", "TildeComponent"),
            ("docs/~", "TildeComponent"),
            (&too_deep, "TooManyComponents"),
            ("escape", "EscapesRoot"),
            ("escape/secret.txt", "EscapesRoot"),
            ("escape/new-file.md", "EscapesRoot"),
            ("escape/new/dir/file.md", "EscapesRoot"),
            ("escape-file", "EscapesRoot"),
            ("dangling", "DanglingSymlink"),
            ("dangling/x.md", "DanglingSymlink"),
            ("loop", "Io"),
            ("loop/x", "Io"),
        ];
        assert!(cases.len() >= 20);
        for (requested, expected) in cases {
            let result = resolve_under(&f.root, requested);
            let variant = match &result {
                Ok(path) => format!("Ok({})", path.display()),
                Err(e) => format!("{e:?}").split([' ', '{', '(']).next().unwrap_or_default().to_owned(),
            };
            assert_eq!(variant, expected, "{requested:?}: {result:?}");
        }
    }

    #[test]
    fn safe_paths_resolve_under_the_root() {
        let f = fixture();
        let deepest = "a/".repeat(MAX_COMPONENTS);
        let cases: Vec<(&str, PathBuf)> = vec![
            ("docs/a.md", f.root.join("docs/a.md")),
            ("./docs//a.md", f.root.join("docs/a.md")),
            ("docs/", f.root.join("docs")),
            ("inside/a.md", f.root.join("docs/a.md")),
            ("inside/new.md", f.root.join("docs/new.md")),
            ("memory/2026-01-31.md", f.root.join("memory/2026-01-31.md")),
            ("new/dir/file.md", f.root.join("new/dir/file.md")),
            ("docs/a.md/child", f.root.join("docs/a.md/child")),
            ("docs/100%.md", f.root.join("docs/100%.md")),
            ("docs/50%20off.md", f.root.join("docs/50%20off.md")),
            ("docs/a..b.md", f.root.join("docs/a..b.md")),
            ("docs/...", f.root.join("docs/...")),
            ("notes~.md", f.root.join("notes~.md")),
            ("日本語/ノート.md", f.root.join("日本語/ノート.md")),
            (".", f.root.clone()),
            (&deepest, f.root.join(deepest.trim_end_matches('/'))),
        ];
        for (requested, expected) in cases {
            let resolved =
                resolve_under(&f.root, requested).unwrap_or_else(|e| panic!("{requested:?} was refused: {e}"));
            assert_eq!(resolved, expected, "{requested:?}");
            assert!(resolved.starts_with(&f.root));
        }
    }

    #[test]
    fn a_root_given_in_non_canonical_form_still_works() {
        let f = fixture();
        let roundabout = f.root.join("docs/..");
        assert_eq!(resolve_under(&roundabout, "docs/a.md").unwrap(), f.root.join("docs/a.md"));
        let missing = f.root.join("no-such-root");
        assert!(matches!(resolve_under(&missing, "a.md"), Err(PathError::Root { .. })));
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let cases = [
            (PathError::Empty, "give a path relative to the root"),
            (PathError::Absolute, "absolute paths are not allowed"),
            (PathError::Backslash, "separate folders with `/`"),
            (PathError::ParentComponent, "`..` is not allowed"),
            (PathError::EncodedSequence { sequence: "%2e".into() }, "\"%2e\""),
            (PathError::TooLong { len: 600 }, "600 bytes long; at most 512"),
            (PathError::EscapesRoot { requested: "escape".into() }, "leads outside the allowed folder"),
        ];
        for (error, fragment) in cases {
            let message = error.to_string();
            assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn daily_note_names_are_real_dates_in_iso_form() {
        let cases = [
            ("2026-01-31.md", NaiveDate::from_ymd_opt(2026, 1, 31)),
            ("2024-02-29.md", NaiveDate::from_ymd_opt(2024, 2, 29)),
            ("2025-02-29.md", None),
            ("2026-13-01.md", None),
            ("2026-00-10.md", None),
            ("2026-1-31.md", None),
            ("2026-01-31.MD", None),
            ("2026-01-31.md.bak", None),
            ("2026-01-31", None),
            ("2026_01_31.md", None),
            ("x2026-01-31.md", None),
            ("２０２６-01-31.md", None),
            ("+202-01-31.md", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(is_daily_note_name(name), expected, "{name:?}");
        }
    }

    proptest! {
        #[test]
        fn resolve_under_never_panics_and_never_leaves_the_root(requested in any::<String>()) {
            let f = fixture();
            if let Ok(path) = resolve_under(&f.root, &requested) {
                prop_assert!(path.starts_with(&f.root));
                prop_assert!(!requested.split('/').any(|c| c == ".."));
            }
        }

        #[test]
        fn resolve_under_never_leaves_the_root_for_path_shaped_input(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(".."), Just("."), Just(""), Just("escape"), Just("inside"), Just("dangling"),
                    Just("docs"), Just("a.md"), Just("%2e"), Just("%2F"), Just("~"), Just("\\"), Just("loop"),
                ],
                0..8,
            )
        ) {
            let f = fixture();
            let requested = parts.join("/");
            if let Ok(path) = resolve_under(&f.root, &requested) {
                prop_assert!(path.starts_with(&f.root), "{} -> {}", requested, path.display());
            }
        }

        #[test]
        fn is_daily_note_name_never_panics(name in any::<String>()) {
            let _ = is_daily_note_name(&name);
        }
    }
}
