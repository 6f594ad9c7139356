//! `tenken completions SHELL`: a completion script, from the clap definitions.

use clap_complete::Shell;

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the script for `command` (the whole command line) on standard output.
pub fn run(args: Args, mut command: clap::Command) -> i32 {
    let name = command.get_name().to_string();
    clap_complete::generate(args.shell, &mut command, name, &mut std::io::stdout());
    0
}
