//! JSON-RPC over stdio that survives bad input.
//!
//! `lsp-server`'s own stdio transport stops reading at the first malformed
//! payload; here a message that is not valid JSON-RPC is reported on stderr
//! and skipped. Every message is found by its `Content-Length` header, so a
//! wrong length or stray bytes cost the messages they overlap, not the rest
//! of the stream; header lines and bodies have a size limit.

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use lsp_server::{Connection, Message};
use std::io::{self, BufRead, Read, Write};
use std::thread;

/// Largest message body accepted (a larger one is skipped).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Longest header line accepted; longer input is skipped up to the next header.
const MAX_HEADER_LINE: usize = 1024;

/// The header every message starts with (matched in any case).
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// The writer thread of a stdio connection (the reader ends on its own at
/// `exit` or end of input, or with the process).
pub struct Threads {
    writer: thread::JoinHandle<()>,
}

impl Threads {
    /// Waits until every message sent on the connection is written.
    pub fn join(self) {
        let _ = self.writer.join();
    }
}

/// A connection over stdin/stdout. Reading waits while the server is busy
/// with the previous message, so unread input stays in the pipe.
pub fn stdio() -> (Connection, Threads) {
    let (to_client, outgoing) = unbounded::<Message>();
    let (incoming, from_client) = bounded::<Message>(0);
    let writer = thread::spawn(move || write_all(&outgoing, &mut io::stdout().lock()));
    thread::spawn(move || read_all(&mut io::stdin().lock(), &incoming));
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    (connection, Threads { writer })
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
        let skipped = match skip_to_header(input) {
            Ok(Some(skipped)) => skipped,
            _ => return,
        };
        // Shorter gaps are other headers, or the rest of a message already reported.
        if skipped > MAX_HEADER_LINE {
            eprintln!("tenken lsp: skipped {skipped} bytes that were not a message");
        }
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

/// Consumes input up to and including the next `Content-Length:`; the
/// number of bytes before it, `None` at end of input.
fn skip_to_header(input: &mut impl BufRead) -> io::Result<Option<usize>> {
    let mut matched = 0;
    let mut consumed = 0;
    while matched < CONTENT_LENGTH.len() {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let mut used = 0;
        for &byte in buf {
            used += 1;
            let byte = byte.to_ascii_lowercase();
            // The header's first letter occurs in it only once: a mismatch
            // restarts the match at this byte.
            matched = if byte == CONTENT_LENGTH[matched] {
                matched + 1
            } else {
                usize::from(byte == CONTENT_LENGTH[0])
            };
            if matched == CONTENT_LENGTH.len() {
                break;
            }
        }
        input.consume(used);
        consumed += used;
    }
    Ok(Some(consumed - CONTENT_LENGTH.len()))
}

/// The rest of a message after its `Content-Length:`: the length, other
/// headers up to an empty line, then the body. `Ok(None)` at end of input;
/// an `InvalidData` error for a malformed header block.
fn read_body(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length = read_header_line(input)?.trim().parse::<usize>().ok();
    loop {
        let line = read_header_line(input)?;
        let header = line.trim();
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| invalid("a header line without a colon"))?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let length = length
        .filter(|&n| n <= MAX_BODY)
        .ok_or_else(|| invalid("no valid Content-Length"))?;
    // Memory grows with the bytes received, not with the length announced.
    let mut body = Vec::new();
    input.by_ref().take(length as u64).read_to_end(&mut body)?;
    Ok((body.len() == length).then_some(body))
}

/// A header line without its line break, of at most [`MAX_HEADER_LINE`] bytes.
fn read_header_line(input: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    input
        .by_ref()
        .take(MAX_HEADER_LINE as u64 + 1)
        .read_until(b'\n', &mut line)?;
    match line.pop() {
        Some(b'\n') => String::from_utf8(line).map_err(|_| invalid("a header that is not UTF-8")),
        _ if line.len() < MAX_HEADER_LINE => Err(io::ErrorKind::UnexpectedEof.into()),
        _ => Err(invalid(&format!(
            "a header line longer than {MAX_HEADER_LINE} bytes"
        ))),
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;

    /// The messages read from `input` followed by a valid one.
    fn read(input: &[u8]) -> Vec<Message> {
        let mut input = input.to_vec();
        write!(input, "Content-Length: {}\r\n\r\n{GOOD}", GOOD.len()).unwrap();
        let (tx, rx) = unbounded();
        read_all(&mut input.as_slice(), &tx);
        rx.try_iter().collect()
    }

    fn only_good(got: &[Message]) {
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(matches!(&got[0], Message::Notification(n) if n.method == "initialized"));
    }

    #[test]
    fn skips_bad_messages_and_reads_on() {
        only_good(&read(
            b"Content-Length: 5\r\n\r\nnot{}Content-Length: x\r\n\r\n",
        ));
    }

    #[test]
    fn a_short_length_costs_only_its_message() {
        only_good(&read(
            format!("Content-Length: 10\r\n\r\n{GOOD}").as_bytes(),
        ));
    }

    #[test]
    fn long_lines_are_skipped_in_bounded_memory() {
        only_good(&read(&vec![b'x'; 1 << 20]));
        let mut digits = b"Content-Length: ".to_vec();
        digits.resize(1 << 20, b'1');
        only_good(&read(&digits));
        let mut header = b"Content-Length: 2\r\nX-Other: ".to_vec();
        header.resize(1 << 20, b'y');
        only_good(&read(&header));
    }

    #[test]
    fn other_headers_may_come_first() {
        let input = format!(
            "content-type: application/vscode-jsonrpc\r\ncontent-length: {}\r\n\r\n{GOOD}",
            GOOD.len()
        );
        let got = read(input.as_bytes());
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn a_truncated_body_ends_reading() {
        let (tx, rx) = unbounded();
        let input = format!("Content-Length: {}\r\n\r\n{GOOD}", GOOD.len() + 1);
        read_all(&mut input.as_bytes(), &tx);
        assert!(rx.try_iter().next().is_none());
    }
}
