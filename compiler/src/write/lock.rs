//! One build of an output directory at a time: an exclusive `flock` on a lock file beside it
//! (`.NAME.dcnc-lock`). A second build waits for the first. The file is opened with
//! `O_NOFOLLOW` (a planted link is refused), holds the holder's PID for the waiting message, and
//! is removed by its holder while still locked; a waiter that then finds the path gone or
//! replaced starts over, so two builds never hold two different lock files. A killed build's
//! lock is released by the kernel; its file is reused and removed by the next build.

use std::fs;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::scan::{lstat, Entry};

pub struct Lock {
    file: fs::File,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock at `path`; calls `on_wait` with the holder's PID (if it wrote one) before
    /// waiting for another build.
    pub fn take(path: &Path, on_wait: &dyn Fn(Option<u32>)) -> io::Result<Lock> {
        loop {
            let mut file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut pid = String::new();
                    let _ = (&file).take(32).read_to_string(&mut pid);
                    on_wait(pid.trim().parse().ok());
                    file.lock()?;
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
            // The holder before us removes the file before unlocking it: make sure we locked the
            // file that is at the path now.
            let ours = Entry::from_meta(&file.metadata()?);
            match lstat(path)? {
                Some(now) if now.same_inode(&ours) => {}
                _ => continue,
            }
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes())?;
            return Ok(Lock {
                file,
                path: path.to_path_buf(),
            });
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if super::fault::crashed() {
            return; // a killed build leaves its lock file behind
        }
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_second_holder_waits_for_the_first_and_the_file_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.dcnc-lock");
        let first = Lock::take(&path, &|_| panic!("nobody holds it")).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        let released = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (path, released) = (path.clone(), released.clone());
            std::thread::spawn(move || {
                let waited = AtomicBool::new(false);
                let lock = Lock::take(&path, &|pid| {
                    assert_eq!(pid, Some(std::process::id()));
                    waited.store(true, Ordering::SeqCst);
                })
                .unwrap();
                assert!(released.load(Ordering::SeqCst), "took the lock while held");
                assert!(waited.load(Ordering::SeqCst));
                drop(lock);
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(100));
        released.store(true, Ordering::SeqCst);
        drop(first);
        waiter.join().unwrap();
        assert!(!path.exists(), "the last holder removes the lock file");
    }

    #[test]
    fn a_planted_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let path = dir.path().join(".out.dcnc-lock");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(Lock::take(&path, &|_| {}).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    }
}
