//! Files in: the one reader of every file phib reads. Each kind of file has a size
//! limit far above what a real PrimeHub install holds, so that a wrong path (a disk
//! image, `/dev/zero`, a log) is refused instead of filling the memory; anything but a
//! regular file is refused before a byte is read, except where a stream is meant.

use std::io::Read as _;
use std::path::Path;

use crate::{Error, Result};

/// What a file is for: its size limit, whether a stream may stand for it, and the
/// words for its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Helm values file (`--values`).
    Values,
    /// `helm get manifest` or `helm template` output, with objects added by kubectl
    /// (`phib doctor --manifests`).
    Bundle,
    /// A Google service-account keyfile (`--keyfile`; `-` and `<(…)` allowed).
    Keyfile,
    /// A Secret manifest (`--secret-out`, `--secret-file`).
    SecretManifest,
    /// PEM certificates (`--ca-file`, `SSL_CERT_FILE`).
    Certificates,
    /// The sealed-secrets controller's certificate (`--sealing-cert`).
    SealingCert,
    /// Any JSON for `phib compact` (`-` and pipes allowed).
    Json,
    /// A password or token on standard input (`--password-stdin`).
    Password,
}

impl Kind {
    /// The most bytes phib reads of this kind, and why that is enough:
    /// - values: PrimeHub's values are tens of kilobytes; parsing takes some 60 times
    ///   the size in memory, so 4 MiB is the most worth parsing;
    /// - a manifest bundle: helm keeps a release in one Secret of at most 1 MiB,
    ///   gzip-compressed, and YAML compresses about ten to one, so no release manifest
    ///   reaches 10 MiB; 32 MiB leaves room for the objects kubectl adds;
    /// - a keyfile: real ones are about 2.3 KiB;
    /// - a Secret manifest: a Secret holds at most 1 MiB, 1.4 MiB once base64-encoded;
    /// - certificates: a whole system trust store is about 220 KiB;
    /// - the sealing certificate: the controller's is one 4096-bit certificate, under
    ///   2 KiB;
    /// - JSON for `compact`: a tool for keyfiles and configs, bounded all the same;
    /// - a password: registry tokens are a few kilobytes at most.
    pub const fn limit(self) -> u64 {
        match self {
            Kind::Values => 4 << 20,
            Kind::Bundle => 32 << 20,
            Kind::Keyfile | Kind::Password | Kind::SealingCert => 64 << 10,
            Kind::SecretManifest => 2 << 20,
            Kind::Certificates => 4 << 20,
            Kind::Json => 256 << 20,
        }
    }

    /// Whether a pipe may stand for the file (`-`, `<(…)`).
    pub const fn streams(self) -> bool {
        matches!(self, Kind::Keyfile | Kind::Json | Kind::Password)
    }

    /// "too large for …".
    fn noun(self) -> &'static str {
        match self {
            Kind::Values => "a values file",
            Kind::Bundle => "a manifest bundle",
            Kind::Keyfile => "a service-account keyfile",
            Kind::SecretManifest => "a Secret manifest",
            Kind::Certificates => "a PEM certificate file",
            Kind::SealingCert => "a sealing certificate",
            Kind::Json => "`phib compact`",
            Kind::Password => "a password or token",
        }
    }

    /// The `help:` line of a refusal.
    fn help(self) -> &'static str {
        match self {
            Kind::Values => "pass the path of a YAML values file, e.g. `--values values.yaml`",
            Kind::Bundle => "save `helm get manifest RELEASE` to a file and pass that file",
            Kind::Keyfile => "give the path of the JSON keyfile you downloaded (or `-` to read it from standard input)",
            Kind::SecretManifest => "name the Secret manifest file `phib render --secret-out` wrote",
            Kind::Certificates => "name a PEM file holding the registry's certificate or its CA",
            Kind::SealingCert => "name the certificate of the sealed-secrets controller, as `kubeseal --fetch-cert > cert.pem` writes it (or leave `--sealing-cert` out to fetch it with kubectl)",
            Kind::Json => "name a JSON file, or `-` for standard input",
            Kind::Password => "pipe only the password or token into `--password-stdin`",
        }
    }
}

/// Which file was read: its device, inode and, where the file system keeps it, its
/// birth time (a file removed and made again may get the same inode number), to tell
/// later whether the name still names the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub born: Option<std::time::SystemTime>,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            born: meta.created().ok(),
        }
    }
}

/// What was read: the bytes, and which file they came from (none for a stream).
#[derive(Debug)]
pub struct Read {
    pub bytes: Vec<u8>,
    pub stamp: Option<Stamp>,
}

/// Reads `path` as a `kind` file. `Ok(None)` when it does not exist. Anything but a
/// regular file (or a symlink to one) is refused before a byte is read, but a pipe for
/// the kinds that take a stream: a FIFO may never end or block the open, a device like
/// `/dev/zero` never ends, a socket is no file.
pub fn read(path: &Path, kind: Kind) -> Result<Option<Read>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(path, e)),
    };
    let t = meta.file_type();
    let stream = kind.streams() && t.is_fifo();
    if t.is_dir() {
        return Err(is_a_directory(path, kind));
    }
    if !t.is_file() && !stream {
        let what = if t.is_fifo() {
            "a named pipe (FIFO)"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else if t.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(Error::usage(format!(
            "`{}` is {what}, not a regular file; phib does not read it",
            path.display()
        ))
        .with_help(kind.help()));
    }
    if meta.len() > kind.limit() {
        return Err(too_large(path, kind));
    }
    // Non-blocking for files: should a FIFO replace the file after the check, the open
    // does not wait for a writer. A pipe that is meant is read as it comes.
    let flags = if stream {
        0
    } else {
        rustix::fs::OFlags::NONBLOCK.bits() as i32
    };
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(path, e)),
    };
    // What was opened is checked again: the name may have changed meanwhile.
    let opened = file.metadata().map_err(|e| Error::input_io(path, e))?;
    let t = opened.file_type();
    if !(t.is_file() || kind.streams() && t.is_fifo()) {
        return Err(Error::usage(format!(
            "`{}` changed into something that is not a regular file while phib opened it",
            path.display()
        ))
        .with_help(kind.help()));
    }
    let stamp = t.is_file().then(|| Stamp::of(&opened));
    let bytes = bounded(file, kind).map_err(|e| match e.kind() {
        std::io::ErrorKind::IsADirectory => is_a_directory(path, kind),
        _ => Error::input_io(path, e),
    })?;
    if bytes.len() as u64 > kind.limit() {
        return Err(too_large(path, kind));
    }
    Ok(Some(Read { bytes, stamp }))
}

/// Reads `path`, which must exist.
pub fn read_existing(path: &Path, kind: Kind) -> Result<Read> {
    read(path, kind)?.ok_or_else(|| {
        Error::usage(format!(
            "cannot read `{}`: it does not exist",
            path.display()
        ))
        .with_help(kind.help())
    })
}

/// Reads standard input as a `kind` stream, at most its limit.
pub fn read_stdin(kind: Kind) -> Result<Vec<u8>> {
    let bytes = bounded(std::io::stdin().lock(), kind)
        .map_err(|e| Error::usage(format!("cannot read standard input: {e}")))?;
    if bytes.len() as u64 > kind.limit() {
        return Err(Error::usage(format!(
            "standard input is larger than {}, too large for {}",
            size(kind.limit()),
            kind.noun()
        ))
        .with_help(kind.help()));
    }
    Ok(bytes)
}

/// At most one byte more than the limit: enough to refuse what is too large without
/// reading all of it.
fn bounded(from: impl std::io::Read, kind: Kind) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    from.take(kind.limit() + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `bytes` of the file `path` as text; the error names the line of the first byte that
/// is not UTF-8.
pub fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::usage(format!(
            "`{}` is not UTF-8 text (invalid byte at line {line})",
            path.display()
        ))
        .with_help("convert the file to UTF-8 (e.g. `iconv -t UTF-8`), then run phib again")
    })
}

/// `4 MiB`, `64 KiB`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

fn too_large(path: &Path, kind: Kind) -> Error {
    Error::usage(format!(
        "`{}` is larger than {}, too large for {}",
        path.display(),
        size(kind.limit()),
        kind.noun()
    ))
    .with_help(kind.help())
}

fn is_a_directory(path: &Path, kind: Kind) -> Error {
    let what = match kind {
        Kind::Values => "a values file",
        _ => "a file",
    };
    Error::usage(format!("`{}` is a directory, not {what}", path.display())).with_help(kind.help())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_refuses_devices_directories_and_oversized_files() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        let kinds = [
            Kind::Values,
            Kind::Bundle,
            Kind::Keyfile,
            Kind::SecretManifest,
            Kind::Certificates,
            Kind::SealingCert,
            Kind::Json,
            Kind::Password,
        ];
        for kind in kinds {
            let err = read(Path::new("/dev/zero"), kind).unwrap_err();
            assert!(
                err.message.contains("a device"),
                "{kind:?}: {}",
                err.message
            );
            assert_eq!(err.exit_code(), 2);
            let err = read(dir.path(), kind).unwrap_err();
            assert!(err.message.contains("is a directory"), "{}", err.message);
            std::fs::File::create(&big)
                .unwrap()
                .set_len(kind.limit() + 1)
                .unwrap();
            let err = read(&big, kind).unwrap_err();
            assert!(err.message.contains("is larger than"), "{}", err.message);
            assert_eq!(err.exit_code(), 2);
            assert!(read(&dir.path().join("missing"), kind).unwrap().is_none());
        }
    }

    #[test]
    fn a_fifo_is_read_only_where_a_stream_is_meant() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from(0o600)).unwrap();
        for kind in [
            Kind::Values,
            Kind::Bundle,
            Kind::SecretManifest,
            Kind::Certificates,
            Kind::SealingCert,
        ] {
            let err = read(&fifo, kind).unwrap_err();
            assert!(err.message.contains("named pipe"), "{}", err.message);
        }
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, b"{\"a\": 1}\n").unwrap())
        };
        let got = read(&fifo, Kind::Keyfile).unwrap().unwrap();
        writer.join().unwrap();
        assert_eq!(got.bytes, b"{\"a\": 1}\n");
        assert_eq!(got.stamp, None);
    }

    #[test]
    fn a_regular_file_is_read_with_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        let got = read(&path, Kind::Values).unwrap().unwrap();
        assert_eq!(got.bytes, b"a: 1\n");
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(got.stamp, Some(Stamp::of(&meta)));
        let err = utf8(b"a: 1\nb: caf\xe9\n".to_vec(), &path).unwrap_err();
        assert!(
            err.message.contains("invalid byte at line 2"),
            "{}",
            err.message
        );
    }
}
