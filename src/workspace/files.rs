//! File-level I/O on workspace files: bounded reads of UTF-8 text, content hashes, and atomic
//! writes. Everything here is blocking; callers run it on the blocking pool
//! (`tokio::task::spawn_blocking`).
//!
//! Every client-supplied path goes through [`super::paths::resolve_under`] first, so nothing here
//! reads or writes outside the root it was given.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::paths::{resolve_under, PathError};

/// The workspace files Nexus reads and may write, and nothing else. `openclaw.json` is not here
/// on purpose: a wrong key in it stops the gateway, so Nexus never writes it.
pub const AGENT_FILES: [&str; 8] =
    ["AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "TOOLS.md", "HEARTBEAT.md", "MEMORY.md", "GOAL.md"];

/// Whether `name` is one of [`AGENT_FILES`] (exact, case-sensitive).
pub fn is_agent_file(name: &str) -> bool {
    AGENT_FILES.contains(&name)
}

/// Why a workspace file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The requested path breaks a path rule (`..`, absolute, encoded separators, NUL, a symlink
    /// leaving the root, …).
    #[error(transparent)]
    Path(#[from] PathError),
    /// Nothing exists at the path.
    #[error("{name} does not exist")]
    NotFound {
        /// The path as requested.
        name: String,
    },
    /// The path names a folder or something else that is not a regular file.
    #[error("{name} is not a file")]
    NotAFile {
        /// The path as requested.
        name: String,
    },
    /// The file is larger than the configured limit (NEXUS_WORKSPACE_MAX_FILE_BYTES).
    #[error("{name} is {size} bytes; at most {limit} bytes are read (NEXUS_WORKSPACE_MAX_FILE_BYTES)")]
    TooLarge {
        /// The path as requested.
        name: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not valid UTF-8 text.
    #[error("{name} is not UTF-8 text")]
    NotUtf8 {
        /// The path as requested.
        name: String,
    },
    /// The file system failed (permissions, I/O). Internal: the message holds no path.
    #[error("reading {name} failed: {source}")]
    Io {
        /// The path as requested.
        name: String,
        /// The cause.
        source: io::Error,
    },
}

impl FileError {
    /// Whether this is a failure of the server rather than of the request.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Io { .. } | Self::Path(PathError::Root { .. } | PathError::Io { .. }))
    }
}

/// A text file read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFile {
    /// The content.
    pub content: String,
    /// [`content_hash`] of the content.
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

/// The SHA-256 of `bytes`, lower-case hex: the `hash` clients send back as `expectedHash`.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file's modification time in UTC (the epoch when the platform cannot tell).
pub fn modified_at(meta: &fs::Metadata) -> DateTime<Utc> {
    meta.modified().map(DateTime::<Utc>::from).unwrap_or_default()
}

/// Resolves `requested` under `root` (see [`resolve_under`]); a root folder that does not exist
/// means the file does not exist either (an agent whose workspace was never created).
///
/// # Errors
/// [`FileError::Path`] for unsafe paths, [`FileError::NotFound`] for a missing root.
pub fn resolve(root: &Path, requested: &str) -> Result<PathBuf, FileError> {
    match resolve_under(root, requested) {
        Err(PathError::Root { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            Err(FileError::NotFound { name: requested.to_owned() })
        }
        other => Ok(other?),
    }
}

/// Reads `requested` under `root` as UTF-8 text of at most `limit` bytes.
///
/// # Errors
/// A [`FileError`]: unsafe path, missing, not a file, too large, not UTF-8, or I/O.
pub fn read_text(root: &Path, requested: &str, limit: u64) -> Result<TextFile, FileError> {
    read_text_at(&resolve(root, requested)?, requested, limit)
}

/// Reads an already resolved path as UTF-8 text; `name` is what errors call it.
///
/// # Errors
/// As [`read_text`], without the path rules.
pub fn read_text_at(path: &Path, name: &str, limit: u64) -> Result<TextFile, FileError> {
    let (bytes, meta) = read_bytes_at(path, name, limit)?;
    let hash = content_hash(&bytes);
    let size = bytes.len() as u64;
    let content = String::from_utf8(bytes).map_err(|_| FileError::NotUtf8 { name: name.to_owned() })?;
    Ok(TextFile { content, hash, size, modified_at: modified_at(&meta) })
}

/// Reads an already resolved regular file of at most `limit` bytes, with its metadata.
///
/// # Errors
/// Missing, not a file, too large, or I/O.
pub fn read_bytes_at(path: &Path, name: &str, limit: u64) -> Result<(Vec<u8>, fs::Metadata), FileError> {
    let io_error = |source: io::Error| match source.kind() {
        io::ErrorKind::NotFound => FileError::NotFound { name: name.to_owned() },
        _ => FileError::Io { name: name.to_owned(), source },
    };
    let meta = fs::metadata(path).map_err(io_error)?;
    if !meta.is_file() {
        return Err(FileError::NotAFile { name: name.to_owned() });
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge { name: name.to_owned(), size: meta.len(), limit });
    }
    let (file, _) = open_regular(path).map_err(io_error)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` bounds the read even if the file grows between the check and the read.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge { name: name.to_owned(), size: bytes.len() as u64, limit });
    }
    Ok((bytes, meta))
}

/// Opens `path` for reading if it is a regular file (`InvalidInput` otherwise).
///
/// Opened non-blocking and checked on the open handle: a FIFO or device put in a file's place,
/// even between an earlier check and this open, would otherwise block the reading thread until
/// someone wrote to it. (`O_NONBLOCK` changes nothing for reads of regular files.)
pub fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok((file, meta))
}

/// Replaces (or creates) `target` atomically: the bytes go to a temporary file in the same
/// folder, which is flushed to disk and renamed over the target; then the folder itself is
/// flushed so the rename survives a crash. Readers see the old or the new content, never a mix.
/// An existing file keeps its permissions.
///
/// # Errors
/// Any I/O failure; the temporary file is removed and the target is untouched.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = target.parent().ok_or_else(|| io::Error::other("the target has no parent folder"))?;
    let name = target.file_name().ok_or_else(|| io::Error::other("the target has no file name"))?;
    // A dot name: the watcher ignores it, and OpenClaw does not list it.
    let tmp = dir.join(format!(".{}.nexus-{}.tmp", name.to_string_lossy(), uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        if let Ok(meta) = fs::metadata(target) {
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, target)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Takes an exclusive advisory lock (`flock`) on a folder, held until the returned handle is
/// dropped; blocks while another process (or another handle in this one) holds it. Writers of
/// one workspace serialise on its folder, so nothing is added to the workspace itself.
///
/// # Errors
/// The folder cannot be opened or locked.
pub fn lock_folder(dir: &Path) -> io::Result<File> {
    let handle = File::open(dir)?;
    handle.lock()?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_workspace_files_are_agent_files() {
        for name in AGENT_FILES {
            assert!(is_agent_file(name));
        }
        for name in ["openclaw.json", "soul.md", "SOUL.md ", "memory/2026-01-01.md", "../SOUL.md", ""] {
            assert!(!is_agent_file(name), "{name:?}");
        }
    }

    #[test]
    fn reads_are_bounded_and_utf8_only() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("ok.md"), "héllo").unwrap();
        fs::write(dir.path().join("big.md"), "x".repeat(2048)).unwrap();
        fs::write(dir.path().join("bin.md"), [0xff, 0xfe, 0x00]).unwrap();
        fs::create_dir(dir.path().join("folder")).unwrap();

        let ok = read_text(dir.path(), "ok.md", 1024).unwrap();
        assert_eq!(ok.content, "héllo");
        assert_eq!(ok.size, 6);
        assert_eq!(ok.hash, content_hash("héllo".as_bytes()));
        assert!(matches!(read_text(dir.path(), "big.md", 1024), Err(FileError::TooLarge { size: 2048, .. })));
        assert!(matches!(read_text(dir.path(), "bin.md", 1024), Err(FileError::NotUtf8 { .. })));
        assert!(matches!(read_text(dir.path(), "folder", 1024), Err(FileError::NotAFile { .. })));
        assert!(matches!(read_text(dir.path(), "none.md", 1024), Err(FileError::NotFound { .. })));
        assert!(matches!(read_text(dir.path(), "../ok.md", 1024), Err(FileError::Path(PathError::ParentComponent))));
        let missing_root = dir.path().join("no-workspace");
        assert!(matches!(read_text(&missing_root, "SOUL.md", 1024), Err(FileError::NotFound { .. })));
    }

    #[test]
    fn an_atomic_write_replaces_the_file_keeps_its_mode_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("SOUL.md");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["SOUL.md"]);

        write_atomic(&dir.path().join("GOAL.md"), b"created").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("GOAL.md")).unwrap(), "created");
    }

    #[test]
    fn a_failed_atomic_write_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-folder/SOUL.md");
        assert!(write_atomic(&target, b"new").is_err());
        assert!(!target.exists());
    }
}
