//! Problems that stop a file, policy or config from being used: each has a span.

use crate::source::Span;

/// An error at a position in a source file (a template, policy or config).
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

impl Problem {
    pub fn new(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            span,
            message: message.into(),
        }
    }
}
