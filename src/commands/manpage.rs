//! `tenken manpage`: the manual page in roff, from the clap definitions,
//! with a section per command.

use std::io::Write;

/// Prints the page for `command` (the whole command line) on standard output.
pub fn run(command: clap::Command) -> i32 {
    let mut out = Vec::new();
    let rendered = render(command, &mut out);
    let written = rendered.and_then(|()| std::io::stdout().lock().write_all(&out));
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write the manual page: {e}");
            2
        }
    }
}

/// The main page, then each command's options under a heading of its own.
fn render(command: clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let command = command.disable_help_subcommand(true);
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in command.get_subcommands() {
        let mut options = Vec::new();
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut options)?;
        let heading = format!(".SH \"TENKEN {} OPTIONS\"", sub.get_name().to_uppercase());
        let options = String::from_utf8_lossy(&options).replacen(".SH OPTIONS", &heading, 1);
        out.extend_from_slice(options.as_bytes());
    }
    man.render_version_section(out)?;
    Ok(())
}
