use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = stile::cli::Cli::parse();
    match stile::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of a pipe went away (`stile body list | head -1`): not a failure.
        Err(e) if stile::cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stile: {}", stile::error::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}
