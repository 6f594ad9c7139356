//! JSON-RPC over stdio that survives bad input.
//!
//! `lsp-server`'s own stdio transport stops reading at the first malformed
//! payload; here a message that is not valid JSON-RPC is reported on stderr
//! and skipped, and reading goes on with the next one.

use crossbeam_channel::{unbounded, Receiver, Sender};
use lsp_server::{Connection, Message};
use std::io::{self, BufRead, Write};
use std::thread;

/// Largest message body accepted (a larger one is skipped).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// The reader and writer threads of a stdio connection.
pub struct Threads {
    reader: thread::JoinHandle<()>,
    writer: thread::JoinHandle<()>,
}

impl Threads {
    /// Waits until stdin is closed (or `exit` was read) and every message is written.
    pub fn join(self) {
        let _ = self.reader.join();
        let _ = self.writer.join();
    }
}

/// A connection over stdin/stdout.
pub fn stdio() -> (Connection, Threads) {
    let (to_client, outgoing) = unbounded::<Message>();
    let (incoming, from_client) = unbounded::<Message>();
    let writer = thread::spawn(move || write_all(&outgoing, &mut io::stdout().lock()));
    let reader = thread::spawn(move || read_all(&mut io::stdin().lock(), &incoming));
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    (connection, Threads { reader, writer })
}

fn write_all(outgoing: &Receiver<Message>, out: &mut impl Write) {
    for message in outgoing {
        if message.write(out).is_err() {
            break;
        }
    }
}

/// Reads messages until end of input or `exit`.
fn read_all(input: &mut impl BufRead, incoming: &Sender<Message>) {
    loop {
        let body = match read_body(input) {
            Ok(Some(body)) => body,
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                eprintln!("tenken lsp: skipping a message: {e}");
                continue;
            }
            Err(_) => return,
        };
        let message = match serde_json::from_slice::<Message>(&body) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("tenken lsp: skipping a message that is not JSON-RPC: {e}");
                continue;
            }
        };
        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
        if incoming.send(message).is_err() || exit {
            return;
        }
    }
}

/// One message body: headers up to an empty line, then `Content-Length` bytes.
/// `Ok(None)` at end of input; an error for a header block without a usable length.
fn read_body(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length = None;
    let mut line = String::new();
    let mut seen_header = false;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end();
        if header.is_empty() {
            if seen_header {
                break;
            }
            continue;
        }
        seen_header = true;
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let length = length
        .filter(|&n| n <= MAX_BODY)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no valid Content-Length"))?;
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_bad_messages_and_reads_on() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\nnot{{}}Content-Length: x\r\n\r\nContent-Length: {}\r\n\r\n{good}",
            good.len()
        );
        let (tx, rx) = unbounded();
        read_all(&mut input.as_bytes(), &tx);
        let got: Vec<Message> = rx.try_iter().collect();
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], Message::Notification(n) if n.method == "initialized"));
    }
}
