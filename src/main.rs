use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = stile::cli::Cli::parse();
    match stile::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stile: {}", stile::error::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}
