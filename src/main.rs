//! The `blockpress` binary: parse the command line, run, print errors.

use clap::Parser;

// Rendering allocates many short-lived strings on every thread; mimalloc's
// thread-local pools make that markedly cheaper than the system allocator
// (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
