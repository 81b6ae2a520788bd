//! The `blockpress` binary: parse the command line, run, print errors.

use clap::Parser;

// Rendering allocates many short-lived strings on every thread; mimalloc's
// thread-local pools make that markedly cheaper than the system allocator
// (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
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
