//! The `tqopt` binary's `-o` never harms the file it writes or what surrounds it: symbolic
//! links are written through, FIFOs, sockets and devices are written directly, mode, owner and
//! hard links are kept, and errors or SIGINT/SIGTERM/SIGHUP leave the old file and no
//! temporary file behind. Every test works in its own temporary folder.

use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A small module whose printout is a few hundred bytes.
const SMALL: &str = r#"func.func @main(%arg0: tensor<1x4xf32> loc("input")) -> tensor<1x4xf32> {
  %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32> loc("activation")
  return %0 : tensor<1x4xf32>
}
"#;

fn tqopt() -> Command {
    tqopt_with(false)
}

/// tqopt; with `named`, forced to use named temporary files (the path taken where the file
/// system has no `O_TMPFILE`, and the one whose files the signal handler removes).
fn tqopt_with(named: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tqopt"));
    c.stdin(Stdio::null());
    if named {
        c.env("TQOPT_NAMED_TEMPORARIES", "1");
    } else {
        c.env_remove("TQOPT_NAMED_TEMPORARIES");
    }
    c
}

fn run(args: &[&Path]) -> Output {
    run_with(false, args)
}

fn run_with(named: bool, args: &[&Path]) -> Output {
    let out = tqopt_with(named).args(args).output().expect("run tqopt");
    assert!(
        out.status.success(),
        "tqopt {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `dir/in.mlir` holding SMALL, and what tqopt prints for it.
fn small_input(dir: &Path) -> (PathBuf, Vec<u8>) {
    let input = dir.join("in.mlir");
    fs::write(&input, SMALL).unwrap();
    let printed = run(&[&input, Path::new("-o"), Path::new("-")]).stdout;
    assert!(printed.starts_with(b"module {"), "{printed:?}");
    (input, printed)
}

/// Names in `dir` that look like tqopt's temporary files.
fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tqopt-"))
        .collect()
}

fn c_path(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn symlinks_are_written_through_and_stay_links() {
    symlinks_are_written_through_and_stay_links_with(false);
    symlinks_are_written_through_and_stay_links_with(true);
}

fn symlinks_are_written_through_and_stay_links_with(named: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let real = dir.path().join("real.mlir");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.mlir", dir.path().join("link.mlir")).unwrap();
    std::os::unix::fs::symlink("link.mlir", dir.path().join("link2.mlir")).unwrap();

    run_with(
        named,
        &[&input, Path::new("-o"), &dir.path().join("link2.mlir")],
    );

    for (link, to) in [("link.mlir", "real.mlir"), ("link2.mlir", "link.mlir")] {
        let link = dir.path().join(link);
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_link(&link).unwrap(), Path::new(to));
    }
    assert_eq!(fs::read(&real).unwrap(), printed);
    assert_eq!(mode(&real), 0o640);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_dangling_symlink_creates_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    fs::create_dir(dir.path().join("sub")).unwrap();
    let link = dir.path().join("dangling.mlir");
    std::os::unix::fs::symlink("sub/new.mlir", &link).unwrap();

    run(&[&input, Path::new("-o"), &link]);

    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(dir.path().join("sub/new.mlir")).unwrap(), printed);
}

#[test]
fn a_fifo_is_written_directly() {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let fifo = dir.path().join("pipe.mlir");
    assert_eq!(unsafe { libc::mkfifo(c_path(&fifo).as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_end(&mut got)
                .unwrap();
            got
        })
    };

    run(&[&input, Path::new("-o"), &fifo]);

    // Checked before joining: had the FIFO been replaced, the reader would wait forever.
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(reader.join().unwrap(), printed);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_unix_socket_is_written_directly() {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let socket = dir.path().join("sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let reader = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        got
    });

    run(&[&input, Path::new("-o"), &socket]);

    // Checked before joining: had the socket been replaced, accept would wait forever.
    assert!(fs::symlink_metadata(&socket)
        .unwrap()
        .file_type()
        .is_socket());
    assert_eq!(reader.join().unwrap(), printed);
}

/// `-o /dev/null` on a device node of our own (a character device with /dev/null's numbers),
/// so the test never touches the system's /dev/null. Needs CAP_MKNOD; skipped without it.
#[test]
fn a_character_device_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = small_input(dir.path());
    let null = dir.path().join("null");
    let made = unsafe {
        libc::mknod(
            c_path(&null).as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(1, 3),
        )
    };
    if made != 0 {
        eprintln!(
            "skipped: cannot make a device node here ({})",
            std::io::Error::last_os_error()
        );
        return;
    }

    run(&[&input, Path::new("-o"), &null]);
    run(&[&input, Path::new("--emit=tflite"), Path::new("-o"), &null]);

    let meta = fs::symlink_metadata(&null).unwrap();
    assert!(meta.file_type().is_char_device(), "{meta:?}");
    assert_eq!(meta.rdev(), libc::makedev(1, 3));
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn mode_owner_and_group_are_kept() {
    mode_owner_and_group_are_kept_with(false);
    mode_owner_and_group_are_kept_with(true);
}

fn mode_owner_and_group_are_kept_with(named: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let out = dir.path().join("out.mlir");
    fs::write(&out, "old").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&out, Some(1234), Some(5678)).unwrap();
    }

    run_with(named, &[&input, Path::new("-o"), &out]);

    assert_eq!(fs::read(&out).unwrap(), printed);
    assert_eq!(mode(&out), 0o600);
    if root {
        let meta = fs::metadata(&out).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1234, 5678));
    }
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_new_file_gets_the_umask_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let out = dir.path().join("new.mlir");
    let mut c = tqopt();
    c.arg(&input).arg("-o").arg(&out);
    // SAFETY: umask is async-signal-safe.
    unsafe {
        c.pre_exec(|| {
            libc::umask(0o027);
            Ok(())
        });
    }
    assert!(c.status().unwrap().success());
    assert_eq!(fs::read(&out).unwrap(), printed);
    assert_eq!(mode(&out), 0o640);
}

#[test]
fn hard_links_stay_linked() {
    hard_links_stay_linked_with(false);
    hard_links_stay_linked_with(true);
}

fn hard_links_stay_linked_with(named: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let a = dir.path().join("a.mlir");
    let b = dir.path().join("b.mlir");
    fs::write(&a, "old contents, longer than nothing").unwrap();
    fs::hard_link(&a, &b).unwrap();

    run_with(named, &[&input, Path::new("-o"), &a]);

    let (ma, mb) = (fs::metadata(&a).unwrap(), fs::metadata(&b).unwrap());
    assert_eq!(ma.ino(), mb.ino(), "the hard link was broken");
    assert_eq!(ma.nlink(), 2);
    assert_eq!(fs::read(&b).unwrap(), printed);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn dash_writes_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    let out = dir.path().join("file.mlir");
    run(&[&input, Path::new("-o"), &out]);
    assert_eq!(fs::read(&out).unwrap(), printed);
    // No -o at all is standard output too, and nothing named '-' appears.
    let cwd_run = tqopt()
        .arg(&input)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(cwd_run.stdout, printed);
    assert!(!dir.path().join("-").exists());
}

/// Runs tqopt with RLIMIT_FSIZE set to `limit` bytes, so writing more fails with EFBIG.
fn run_with_file_size_limit(named: bool, args: &[&Path], limit: u64) -> Output {
    let mut c = tqopt_with(named);
    c.args(args);
    // SAFETY: setrlimit is async-signal-safe.
    unsafe {
        c.pre_exec(move || {
            let l = libc::rlimit {
                rlim_cur: limit,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &l) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

#[test]
fn a_write_error_keeps_the_old_file_and_leaves_no_temporary() {
    a_write_error_keeps_the_old_file_and_leaves_no_temporary_with(false);
    a_write_error_keeps_the_old_file_and_leaves_no_temporary_with(true);
}

fn a_write_error_keeps_the_old_file_and_leaves_no_temporary_with(named: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (input, printed) = small_input(dir.path());
    assert!(printed.len() > 100);
    let single = dir.path().join("single.mlir");
    let linked = dir.path().join("linked.mlir");
    let new = dir.path().join("new.mlir");
    fs::write(&single, "old").unwrap();
    fs::write(&linked, "old").unwrap();
    fs::hard_link(&linked, dir.path().join("other.mlir")).unwrap();

    for target in [&single, &linked, &new] {
        let out = run_with_file_size_limit(named, &[&input, Path::new("-o"), target], 100);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{target:?}: {stderr}");
        assert!(
            stderr.contains("cannot write") && stderr.contains("File too large"),
            "{stderr}"
        );
        assert_eq!(temporaries(dir.path()), Vec::<String>::new(), "{target:?}");
    }
    assert_eq!(fs::read(&single).unwrap(), b"old");
    assert_eq!(fs::read(&linked).unwrap(), b"old");
    assert!(!new.exists());
}

#[test]
fn a_failed_compilation_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mlir");
    fs::write(&bad, "func.func @main() {\n  return %nope : i32\n}\n").unwrap();
    let out_path = dir.path().join("out.mlir");
    fs::write(&out_path, "old").unwrap();
    let out = tqopt()
        .args([&bad, Path::new("-o"), &out_path])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read(&out_path).unwrap(), b"old");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

/// MLIR text with one f32 constant of `bytes` bytes, written as hex: slow to print.
fn big_input(path: &Path, bytes: usize) {
    use std::io::Write;
    let n = bytes / 4;
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    write!(f, "func.func @main() -> tensor<{n}xf32> {{\n  %0 = \"tfl.pseudo_const\"() <{{value = dense<\"0x").unwrap();
    let mut x = 0x9E37_79B9u32;
    for _ in 0..n * 4 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        write!(f, "{:02X}", x as u8).unwrap();
    }
    writeln!(
        f,
        "\"> : tensor<{n}xf32>}}> : () -> tensor<{n}xf32>\n  return %0 : tensor<{n}xf32>\n}}"
    )
    .unwrap();
}

/// Whether tqopt (`pid`) is writing its output in `dir`: a named temporary file is there, or
/// it holds an unnamed one (`O_TMPFILE`, shown by /proc as `DIR/#INODE (deleted)`).
fn writing(pid: u32, dir: &Path) -> bool {
    if !temporaries(dir).is_empty() {
        return true;
    }
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|e| fs::read_link(e.ok()?.path()).ok())
        .any(|l| l.starts_with(dir) && l.to_string_lossy().ends_with("(deleted)"))
}

/// How a run is set up for [`signal_during_write`].
#[derive(Clone, Copy)]
struct Setup {
    /// Force named temporary files (`TQOPT_NAMED_TEMPORARIES=1`), the path taken where
    /// `O_TMPFILE` is missing and the one the signal handler has to clean.
    named: bool,
    /// Start with SIGHUP ignored, as under `nohup`.
    ignore_hup: bool,
}

/// Starts tqopt on `input`, waits until it writes its output, sends `signo`. Returns how the
/// process ended, or None when it finished before the signal could be sent (or, unless
/// SIGHUP is ignored, before it arrived).
fn signal_during_write(
    input: &Path,
    out: &Path,
    dir: &Path,
    signo: i32,
    setup: Setup,
) -> Option<std::process::ExitStatus> {
    let mut c = tqopt_with(setup.named);
    c.arg(input).arg("-o").arg(out).stderr(Stdio::null());
    let ignore_hup = setup.ignore_hup;
    // The test runner may have been started with signals ignored (nohup); the CLI respects an
    // ignored signal, so give the child the default dispositions.
    // SAFETY: signal is async-signal-safe.
    unsafe {
        c.pre_exec(move || {
            for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::signal(s, libc::SIG_DFL);
            }
            if ignore_hup {
                libc::signal(libc::SIGHUP, libc::SIG_IGN);
            }
            Ok(())
        });
    }
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            eprintln!("tqopt ended ({status}) before it was seen writing");
            return None;
        }
        if writing(child.id(), dir) {
            break;
        }
        assert!(Instant::now() < deadline, "tqopt was never seen writing");
        std::thread::sleep(Duration::from_micros(500));
    }
    assert_eq!(unsafe { libc::kill(child.id() as i32, signo) }, 0);
    let status = child.wait().unwrap();
    if status.success() && !ignore_hup {
        eprintln!("tqopt finished before the signal arrived");
        return None;
    }
    Some(status)
}

/// Interrupts a long write with `signo`; the old output and no temporary file must remain.
fn interrupt(signo: i32, named: bool) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mlir");
    let input = dir.path().join("big.mlir");
    let setup = Setup {
        named,
        ignore_hup: false,
    };
    // Larger inputs when tqopt was too quick to be interrupted.
    let mut status = None;
    for bytes in [8 << 20, 32 << 20, 96 << 20] {
        fs::write(&out, "old").unwrap();
        big_input(&input, bytes);
        status = signal_during_write(&input, &out, dir.path(), signo, setup);
        if status.is_some() {
            break;
        }
    }
    let status = status.expect("tqopt could not be interrupted during its write");
    assert_eq!(status.signal(), Some(signo), "{status}");
    let what = format!("signal {signo}, named temporaries: {named}");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new(), "{what}");
    assert_eq!(fs::read(&out).unwrap(), b"old", "{what}");
}

/// The signal handler removes a named temporary file.
#[test]
fn a_signal_during_a_long_write_leaves_no_named_temporary() {
    for signo in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        interrupt(signo, true);
    }
}

/// Where the file system has O_TMPFILE, even SIGKILL leaves nothing behind.
#[test]
fn sigkill_during_a_long_write_leaves_no_temporary() {
    for signo in [libc::SIGKILL, libc::SIGTERM] {
        interrupt(signo, false);
    }
}

#[test]
fn an_ignored_sighup_stays_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mlir");
    let input = dir.path().join("big.mlir");
    big_input(&input, 8 << 20);
    fs::write(&out, "old").unwrap();
    let setup = Setup {
        named: true,
        ignore_hup: true,
    };
    let status = signal_during_write(&input, &out, dir.path(), libc::SIGHUP, setup)
        .expect("tqopt could not be signalled during its write");
    assert!(status.success(), "{status}");
    assert!(fs::read(&out).unwrap().starts_with(b"module {"));
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}
