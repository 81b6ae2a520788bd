//! CLI, the top: the command line (clap) parsed into the plain option
//! structs of the commands (`build`, `serve`, `check`, `init`), which it
//! then calls. No module imports this one but the binary.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check::{CheckFormat, CheckOptions};
use crate::config::ConfigSource;
use crate::error::Result;
use crate::serve::ServeOptions;

/// Turn a Logseq graph into a fast, cross-linked static website.
#[derive(Debug, Parser)]
#[command(name = "blockpress", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    #[command(
        after_help = "Examples:\n  blockpress build                 build the site of ./site.toml (or of the current folder as a graph)\n  blockpress build ~/my-graph      build a bare Logseq graph into ~/my-graph/public\n  blockpress build -o /tmp/site    choose the output folder"
    )]
    Build(BuildCommandArgs),
    /// Build, serve the site over HTTP, watch the notes and reload the browser on every change.
    #[command(
        after_help = "Examples:\n  blockpress serve                 serve the site of ./site.toml on http://127.0.0.1:1111\n  blockpress serve ~/my-graph --open\n  blockpress serve --port 8080 --interface 0.0.0.0"
    )]
    Serve(ServeArgs),
    /// Check the graph without writing a site: broken refs, embed cycles, missing assets, duplicates.
    #[command(
        after_help = "Exit codes: 0 no errors (warnings are allowed), 1 errors found, 2 usage error.\n\nExamples:\n  blockpress check\n  blockpress check ~/my-graph --format json"
    )]
    Check(CheckArgs),
    /// Write a site.toml for an existing Logseq graph, or start a new graph in an empty folder.
    #[command(
        after_help = "Examples:\n  cd ~/my-graph && blockpress init     configure an existing graph\n  blockpress init new-notes             create a starter graph\n  blockpress init --force               overwrite an existing site.toml"
    )]
    Init(InitArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  blockpress completions bash > ~/.local/share/bash-completion/completions/blockpress"
    )]
    Completions(CompletionsArgs),
}

/// Options of `blockpress build`.
#[derive(Debug, clap::Args)]
pub struct BuildCommandArgs {
    /// Where the graph and the configuration are.
    #[command(flatten)]
    pub build: BuildArgs,
    /// Ignore the cache the previous build left (in the user's cache folder):
    /// render every file again, as into an empty folder.
    #[arg(long)]
    pub no_cache: bool,
}

/// Options of `blockpress init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to set up (default: the current folder).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing site.toml.
    #[arg(long)]
    pub force: bool,
}

/// Options of `blockpress completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `blockpress serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where the graph and the configuration are.
    #[command(flatten)]
    pub build: BuildArgs,
    /// TCP port to listen on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind to (loopback unless told otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub interface: String,
    /// Open the site in the default browser once it is served.
    #[arg(long)]
    pub open: bool,
}

/// Options of `blockpress check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Where the graph and the configuration are.
    #[command(flatten)]
    pub build: BuildArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// Options shared by commands that read a graph.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The Logseq graph folder (overrides `notes_dir` of the config).
    pub graph_dir: Option<PathBuf>,
    /// The site configuration file.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The output folder (overrides `output_dir` of the config).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Print only warnings and errors, no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print the time of each stage (load, parse, resolve, render, write).
    #[arg(short, long)]
    pub verbose: bool,
}

impl BuildArgs {
    /// Where the graph and the configuration are, for the commands.
    pub fn source(&self) -> ConfigSource {
        let BuildArgs { graph_dir, config, output, .. } = self;
        ConfigSource {
            graph_dir: graph_dir.clone(),
            config: config.clone(),
            output: output.clone(),
        }
    }
}

impl ServeArgs {
    /// The options of `serve`.
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            source: self.build.source(),
            quiet: self.build.quiet,
            port: self.port,
            interface: self.interface.clone(),
            open: self.open,
        }
    }
}

impl CheckArgs {
    /// The options of `check`.
    pub fn options(&self) -> CheckOptions {
        CheckOptions { source: self.build.source(), format: self.format, quiet: self.build.quiet }
    }
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Build(BuildCommandArgs { build: args, no_cache }) => {
            let config = args.source().resolve()?;
            let options = crate::build::BuildOptions { no_cache, progress: !args.quiet };
            let report = crate::build::build(&config, &options)?;
            let colour = crate::diagnostics::stderr_colour();
            for diagnostic in &report.diagnostics {
                eprintln!("{}", crate::diagnostics::format(diagnostic, &config.notes_dir, colour));
            }
            for notice in &report.notices {
                eprintln!("warning: {notice}");
            }
            if args.verbose {
                for stage in &report.stages {
                    let ms = stage.time.as_secs_f64() * 1000.0;
                    match stage.peak_memory {
                        Some(bytes) => println!(
                            "  {:<8} {ms:>8.1} ms  (peak memory {} MB)",
                            stage.name,
                            bytes / 1_000_000
                        ),
                        None => println!("  {:<8} {ms:>8.1} ms", stage.name),
                    }
                }
                println!("  {} of {} pages rendered again", report.rendered, report.pages);
            }
            if !args.quiet {
                println!(
                    "Built {} pages into {} in {:.2}s ({} written, {} unchanged, {} removed; {} warnings)",
                    report.pages,
                    config.output_dir.display(),
                    report.elapsed.as_secs_f64(),
                    report.write.written,
                    report.write.unchanged,
                    report.write.removed,
                    report.diagnostics.len()
                );
            }
            Ok(0)
        }
        Command::Serve(args) => crate::serve::run(&args.options()),
        Command::Check(args) => crate::check::run(&args.options()),
        Command::Init(args) => {
            let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
            let message = match crate::init::init(&dir, args.force)? {
                crate::init::Outcome::ConfiguredGraph => "Wrote site.toml for the graph in",
                crate::init::Outcome::ScaffoldedGraph => {
                    "Created a starter graph and its site.toml in"
                }
            };
            println!("{message} {}. Next: blockpress serve {}", dir.display(), dir.display());
            Ok(0)
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "blockpress",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}
