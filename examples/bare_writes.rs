//! The floor under `bulk`'s file writing: THREADS threads doing nothing but what `bulk` asks of
//! the kernel per new file (create a temporary file exclusively, write, close, rename without
//! replacing), for the files of SRC, into DST. Prints files per second. Used by
//! `scripts/bench-throughput.sh` to show how close to the kernel's own cost `bulk` is:
//!
//!     cargo run --release --example bare_writes -- SRC DST THREADS

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, src, dst, threads] = &args[..] else {
        eprintln!("usage: bare_writes SRC DST THREADS");
        std::process::exit(2);
    };
    let threads: usize = threads.parse().expect("THREADS is a number");
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(src)
        .expect("SRC is a directory")
        .map(|e| {
            let e = e.expect("a directory entry");
            (
                PathBuf::from(e.file_name()),
                std::fs::read(e.path()).expect("a file"),
            )
        })
        .collect();
    files.sort();
    std::fs::create_dir_all(dst).expect("DST can be made");
    let dst = Path::new(dst);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let files = &files;
            s.spawn(move || {
                for (i, (name, bytes)) in files.iter().enumerate().skip(t).step_by(threads) {
                    let tmp = dst.join(format!(".bare-{i}.tmp"));
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&tmp)
                        .expect("create");
                    f.write_all(bytes).expect("write");
                    drop(f);
                    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
                    let (from, to) = (c(&tmp), c(&dst.join(name)));
                    // SAFETY: two NUL-terminated paths that outlive the call.
                    let r = unsafe {
                        libc::renameat2(
                            libc::AT_FDCWD,
                            from.as_ptr(),
                            libc::AT_FDCWD,
                            to.as_ptr(),
                            libc::RENAME_NOREPLACE,
                        )
                    };
                    assert_eq!(r, 0, "rename: {}", std::io::Error::last_os_error());
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    println!("{:.0}", files.len() as f64 / secs);
}
