//! Files that hold secrets or personal data (the SQLite database, the outbox, the
//! generated secret) are the server user's alone: created 0600 from the start, so
//! there is no moment where they are readable by others, and tightened if an older
//! version left them open. The data directory, when we create it, is 0700.

use std::io;
use std::path::Path;

/// Creates `path` and its parents, private to the user when we create them.
pub fn create_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Options that create a file 0600 (on Unix; elsewhere the platform's default).
pub fn options() -> std::fs::OpenOptions {
    #[cfg_attr(not(unix), expect(unused_mut, reason = "no modes outside Unix"))]
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates `path` empty and private if it does not exist; makes it private if it does.
pub fn ensure(path: &Path) -> io::Result<()> {
    options().append(true).create(true).open(path)?;
    tighten(path)
}

/// Makes an existing file private; a missing one is left missing.
pub fn tighten(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        if metadata.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_and_existing_files_end_up_private() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("data/fresh");
        create_dir(fresh.parent().unwrap()).unwrap();
        ensure(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(mode(fresh.parent().unwrap()), 0o700);

        let old = dir.path().join("old");
        std::fs::write(&old, "kept").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        ensure(&old).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "kept");

        tighten(&dir.path().join("missing")).unwrap();
        assert!(!dir.path().join("missing").exists());
    }
}
