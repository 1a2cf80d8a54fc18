//! Writing files so that they are complete or absent: a temporary file in the target directory,
//! flushed, then renamed over the target.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Permissions for a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0644 (narrowed by the umask, as for any file the user creates).
    Public,
    /// 0600: the file holds a password or a key.
    Secret,
    /// These permission bits exactly: a file rewritten in place keeps its mode.
    Keep(u32),
}

/// What a path that is not a regular file is, in words, in English and Japanese ("a FIFO", …).
#[cfg(unix)]
fn kind_of(ft: std::fs::FileType) -> (&'static str, &'static str) {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        ("a directory", "フォルダ")
    } else if ft.is_fifo() {
        ("a FIFO (named pipe)", "FIFO(名前付きパイプ)")
    } else if ft.is_char_device() {
        ("a character device", "キャラクタデバイス")
    } else if ft.is_block_device() {
        ("a block device", "ブロックデバイス")
    } else if ft.is_socket() {
        ("a socket", "ソケット")
    } else {
        ("not a regular file", "通常のファイル以外のもの")
    }
}

#[cfg(not(unix))]
fn kind_of(ft: std::fs::FileType) -> (&'static str, &'static str) {
    if ft.is_dir() {
        ("a directory", "フォルダ")
    } else {
        ("not a regular file", "通常のファイル以外のもの")
    }
}

/// `Ok(true)` when `path` is a regular file (following links), `Ok(false)` when nothing is there,
/// and an error naming what is there otherwise: profilegen reads and replaces only regular
/// files, never a device, a FIFO or a directory.
pub fn regular_or_absent(path: &Path, what: &str) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(true),
        Ok(m) => Err(not_regular(path, m.file_type(), what)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn not_regular(path: &Path, ft: std::fs::FileType, what: &str) -> Error {
    let (en, ja) = kind_of(ft);
    Error::Other(crate::i18n::tr(
        format!("{}: is {en}, not a regular file; {what}", path.display()),
        format!(
            "{}: は{ja}で、通常のファイルではありません(not a regular file)",
            path.display()
        ),
    ))
}

/// The name of a temporary file of this process: `.profilegen-PID-N.tmp`. The PID lets a later
/// run tell a killed run's leftovers from the files of a run still going.
pub fn temp_name(n: u64) -> String {
    // The PID is asked once: a system call per file is not free when writing thousands.
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    format!(".profilegen-{}-{n}.tmp", PID.get_or_init(std::process::id))
}

/// True when a temporary file of ours in `name` belongs to a process that is gone (or the name
/// is not of our form and the file is older than a day).
fn abandoned(name: &str, modified: Option<std::time::SystemTime>) -> bool {
    let Some(rest) = name.strip_prefix(".profilegen-") else {
        return false;
    };
    if !name.ends_with(".tmp") {
        return false;
    }
    let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
    let proc_fs = Path::new("/proc/self").exists();
    match pid {
        Some(pid) if proc_fs => {
            pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => modified
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(86_400)),
    }
}

/// Removes temporary files that killed runs left in `dir`; those of runs still going stay.
pub fn remove_abandoned_temporaries(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let modified = e.metadata().ok().and_then(|m| m.modified().ok());
            if abandoned(&name, modified) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Writes `bytes` to `path` atomically with the given permissions, flushed to disk first.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
    write_atomic_opts(path, bytes, mode, true)
}

/// Writes `bytes` to `path` atomically. Without `sync` the file is complete or absent after a
/// crash or kill of the process (the rename is atomic), but not necessarily after a power loss.
pub fn write_atomic_opts(path: &Path, bytes: &[u8], mode: Mode, sync: bool) -> Result<()> {
    regular_or_absent(path, "give a file name (or -o - for standard output)")?;
    write_atomic_checked(path, bytes, mode, sync)
}

/// [`write_atomic_opts`] for a caller that has just checked, with [`regular_or_absent`], that
/// nothing but a regular file is at `path` (bulk, which looks at the existing file first).
pub fn write_atomic_checked(path: &Path, bytes: &[u8], mode: Mode, sync: bool) -> Result<()> {
    let tmp_path = write_temporary(path, bytes, mode, sync)?;
    if let Err(e) = std::fs::rename(&tmp_path, path) {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` atomically, replacing nothing: `Ok(true)` when written,
/// `Ok(false)` when something is already there (nothing changed). Four system calls on Linux
/// (create the temporary file exclusively, write, close, rename without replacing); the file is
/// complete or absent after a kill, and two runs writing the same name cannot both succeed.
pub fn write_new(path: &Path, bytes: &[u8], mode: Mode, sync: bool) -> Result<bool> {
    let tmp_path = write_temporary(path, bytes, mode, sync)?;
    let placed = rename_noreplace(&tmp_path, path);
    if !matches!(placed, Ok(true)) {
        let _ = std::fs::remove_file(&tmp_path);
    }
    placed.map_err(|e| Error::io(path, e))
}

/// Renames `from` to `to` unless something is at `to`: `Ok(false)` then.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
        };
        let (f, t) = (c(from)?, c(to)?);
        // SAFETY: both are NUL-terminated paths that live across the call.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                f.as_ptr(),
                libc::AT_FDCWD,
                t.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if r == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EEXIST) => return Ok(false),
            // A filesystem without RENAME_NOREPLACE: a hard link does the same.
            Some(libc::EINVAL) | Some(libc::ENOSYS) => {}
            _ => return Err(e),
        }
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            let _ = std::fs::remove_file(from);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // No hard links either (FAT, some network shares): look, then rename, as before
        // RENAME_NOREPLACE existed; only a writer racing for the same name can slip in between.
        Err(_) => match std::fs::symlink_metadata(to) {
            Ok(_) => Ok(false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::rename(from, to).map(|()| true)
            }
            Err(e) => Err(e),
        },
    }
}

/// Writes `bytes` to a new temporary file beside `path`, created with its final mode (no window
/// in which a secret is readable by others) under a name no other writer uses.
fn write_temporary(
    path: &Path,
    bytes: &[u8],
    mode: Mode,
    sync: bool,
) -> Result<std::path::PathBuf> {
    let (tmp_path, mut file) = create_temporary(parent_of(path), mode)?;
    let result = (|| -> std::io::Result<()> {
        #[cfg(unix)]
        if let Mode::Keep(bits) = mode {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(bits & 0o7777))?;
        }
        file.write_all(bytes)?;
        if sync {
            file.sync_all()?;
        }
        Ok(())
    })();
    drop(file);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(Error::io(path, e));
    }
    Ok(tmp_path)
}

/// The directory a file is in ("." for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Creates a temporary file in `dir`, exclusively, under a name no other writer of this or any
/// other process uses, with its final mode from the start.
fn create_temporary(dir: &Path, mode: Mode) -> Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    #[cfg(not(unix))]
    let _ = mode;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = dir.join(temp_name(n));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(match mode {
                Mode::Public => 0o644,
                Mode::Secret => 0o600,
                // Created private, then given the old file's bits (the umask does not apply).
                Mode::Keep(_) => 0o600,
            });
        }
        match opts.open(&candidate) {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(dir, e)),
        }
    }
}

/// A file written in pieces (a report, a manifest) that appears at its path complete or not at
/// all: the pieces go to a temporary file beside it, renamed into place by
/// [`AtomicFile::commit`]. Dropped without a commit (an error on the way), the temporary file is
/// removed and whatever was at the path stays as it was.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    done: bool,
}

impl AtomicFile {
    /// Starts the file; `what` says what to give instead when `path` is not a regular file.
    pub fn create(path: &Path, what: &str) -> Result<AtomicFile> {
        regular_or_absent(path, what)?;
        // A killed run's temporary may be here.
        remove_abandoned_temporaries(parent_of(path));
        let (tmp, file) = create_temporary(parent_of(path), Mode::Public)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            out: std::io::BufWriter::with_capacity(64 * 1024, file),
            done: false,
        })
    }

    /// Puts the file in place, replacing what was there (flushed to disk first with `sync`).
    pub fn commit(mut self, sync: bool) -> Result<()> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        if sync {
            self.out
                .get_ref()
                .sync_all()
                .map_err(|e| Error::io(&self.path, e))?;
        }
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        self.done = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Reads a whole file, or stdin for "-", refusing anything larger than `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_checked(path, limit, false)
}

/// [`read_limited`] for a file a directory walk has just found to be a regular file (not through
/// a link): opened at once, without a look by name first; a link or anything but a regular file
/// put there since is refused all the same.
pub fn read_walked(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_checked(path, limit, true)
}

fn read_checked(path: &Path, limit: u64, walked: bool) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        // A FIFO would block, a device would be read forever (and opening some has effects):
        // only regular files, looked at before they are opened.
        if !walked && !regular_or_absent(path, "give a profile file (or - for standard input)")? {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            ));
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        if walked {
            use std::os::unix::fs::OpenOptionsExt;
            // Never waits (a FIFO put in its place) nor follows a link put in its place.
            opts.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        }
        let f = opts.open(path).map_err(|e| Error::io(path, e))?;
        let m = f.metadata().map_err(|e| Error::io(path, e))?;
        if !m.is_file() {
            return Err(not_regular(
                path,
                m.file_type(),
                "give a profile file (or - for standard input)",
            ));
        }
        // Room for the whole file and the read that finds its end: no growing.
        buf.reserve_exact(m.len().min(limit) as usize + 1);
        Box::new(f)
    };
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Other(crate::i18n::tr(
            format!(
                "{}: larger than {} bytes; not a profile",
                path.display(),
                limit
            ),
            format!(
                "{}: {} バイトを超えています。プロファイルではありません",
                path.display(),
                limit
            ),
        )));
    }
    Ok(buf)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_a_gone_process_leaves_abandoned_files() {
        let mine = temp_name(1);
        assert!(!abandoned(&mine, None));
        // PID 0 is never a user process's.
        assert!(abandoned(".profilegen-0-3.tmp", None) || !Path::new("/proc/self").exists());
        assert!(!abandoned("taro.mobileconfig", None));
        assert!(!abandoned(".profilegen-1-3.tmp", None)); // init is alive
    }

    #[test]
    fn modes_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.mobileconfig");
        write_atomic(&p, b"one", Mode::Secret).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        write_atomic(&p, b"two", Mode::Public).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
