//! The `blockpress` binary: parse the command line, run, print errors.

use clap::Parser;

// Rendering allocates many short-lived strings on every thread; mimalloc's
// thread-local pools make that markedly cheaper than the system allocator
// (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_arena_eager_commit` and `mi_option_purge_delay`
/// (their places in `mi_option_t` of mimalloc 3's `mimalloc.h`; the Rust
/// bindings leave such options unnamed).
#[cfg(target_os = "linux")]
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
#[cfg(target_os = "linux")]
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Arenas committed on demand, not up front: on Linux mimalloc otherwise
/// commits each 1 GiB arena when it reserves it, and memory freed during a
/// build stays resident; committed on demand, a cold build of a 10,000-page
/// graph peaks about 30 MiB (8%) lower at about the same speed (BENCHMARKS.md).
/// The first arena is reserved by the first allocation, which comes before
/// `main` (setting the option there changes nothing), so this runs as an
/// ELF initialiser; `MIMALLOC_ARENA_EAGER_COMMIT` in the environment still wins.
///
/// Memory freed is given back to the system after 250 ms instead of
/// mimalloc 3's 1 s: a build frees and allocates hundreds of megabytes
/// from one stage to the next, and memory freed a second ago still counted.
/// A one-page rebuild of the 10,000-page graph peaks 23 MiB lower (403 →
/// 380 MiB) at the same speed (wall 1.02×, CPU 1.02×, 8 pairs; 10 ms gave
/// 60 MB less but took 0.2 s more). `MIMALLOC_PURGE_DELAY` still wins.
#[cfg(target_os = "linux")]
extern "C" fn set_allocator_options() {
    // SAFETY: sets two integer options of mimalloc's option table, valid
    // option numbers, before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set_default(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(PURGE_DELAY, 250);
    }
}

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00090")]
static SET_ALLOCATOR_OPTIONS: extern "C" fn() = set_allocator_options;

fn main() {
    // Warnings of the watcher and the like by default; `RUST_LOG=blockpress=debug`
    // adds sizes and timings of the build's parts.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = blockpress::cli::Cli::parse();
    match blockpress::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::exit(1);
        }
    }
}
