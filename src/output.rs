//! Writing files so that they are complete or absent: a temporary file in the target directory,
//! flushed, then renamed over the target.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Permissions for a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0644 (narrowed by the umask, as for any file the user creates).
    Public,
    /// 0600: the file holds a password or a key.
    Secret,
}

/// Writes `bytes` to `path` atomically with the given permissions, flushed to disk first.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
    write_atomic_opts(path, bytes, mode, true)
}

/// Writes `bytes` to `path` atomically. Without `sync` the file is complete or absent after a
/// crash or kill of the process (the rename is atomic), but not necessarily after a power loss.
pub fn write_atomic_opts(path: &Path, bytes: &[u8], mode: Mode, sync: bool) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // The temporary file is created with its final mode (no window in which a secret is
    // readable by others) and a name no other writer uses.
    #[cfg(not(unix))]
    let _ = mode;
    let (tmp_path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = dir.join(format!(".profilegen-{}-{n}.tmp", std::process::id()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(match mode {
                Mode::Public => 0o644,
                Mode::Secret => 0o600,
            });
        }
        match opts.open(&candidate) {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(dir, e)),
        }
    };
    let result = (|| -> std::io::Result<()> {
        file.write_all(bytes)?;
        if sync {
            file.sync_all()?;
        }
        drop(file);
        std::fs::rename(&tmp_path, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Reads a whole file, or stdin for "-", refusing anything larger than `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| Error::io(path, e))?)
    };
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Other(format!(
            "{}: larger than {} bytes; not a profile",
            path.display(),
            limit
        )));
    }
    Ok(buf)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
