//! `tenken lsp`: a Language Server that lints CloudFormation and Terraform
//! buffers as they are edited.
//!
//! Built on `lsp-server` (rust-analyzer's synchronous, channel-based loop)
//! and `lsp-types`. The protocol loop keeps the open buffers and answers
//! requests; linting runs on a [`worker`] thread through the same pipeline
//! as `tenken check`, on the unsaved text.

mod actions;
mod diagnostics;
mod documents;
mod hover;
mod settings;
mod transport;
mod worker;

use crate::discover::Kind;
use documents::{to_path, Documents};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionParams, CodeActionProviderCapability, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    FileSystemWatcher, GlobPattern, Hover, HoverContents, HoverParams, HoverProviderCapability,
    InitializeParams, MarkupContent, MarkupKind, PublishDiagnosticsParams, Registration,
    RegistrationParams, SaveOptions, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde::de::DeserializeOwned;
use settings::{ClientOptions, Rules, Settings};
use std::error::Error;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use worker::{Published, Snapshot, Task, Worker};

/// Serves one client on stdin/stdout; the process exit code.
pub fn run() -> i32 {
    let (connection, threads) = transport::stdio();
    let code = match serve(&connection) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("tenken lsp: {e}");
            1
        }
    };
    drop(connection);
    threads.join();
    code
}

/// Runs the protocol until `exit`: `true` if the client shut the server down first.
pub fn serve(connection: &Connection) -> Result<bool, Box<dyn Error>> {
    let (id, params) = connection.initialize_start()?;
    // Snippet edits (LSP 3.18) are not in `lsp-types`' capabilities yet.
    let snippets = params.pointer("/capabilities/workspace/workspaceEdit/snippetEditSupport")
        == Some(&serde_json::Value::Bool(true));
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "tenken", "version": env!("CARGO_PKG_VERSION")},
    });
    connection.initialize_finish(id, result)?;
    let mut server = Server::new(connection, &params, snippets)?;
    server.watch_files(&params);
    let mut clean = false;
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    clean = true;
                    break;
                }
                server.on_request(request);
            }
            Message::Notification(n) if n.method == note::Exit::METHOD => break,
            Message::Notification(n) => server.on_notification(n),
            Message::Response(_) => {}
        }
    }
    // Dropping the server stops the worker without waiting for a lint in progress.
    Ok(clean)
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..Default::default()
    }
}

struct Server {
    out: crossbeam_channel::Sender<Message>,
    documents: Documents,
    options: ClientOptions,
    settings: Settings,
    rules: Arc<Rules>,
    published: Arc<Published>,
    worker: Worker,
    /// The client takes snippet edits.
    snippets: bool,
}

impl Server {
    fn new(
        connection: &Connection,
        params: &InitializeParams,
        snippets: bool,
    ) -> io::Result<Server> {
        let options: ClientOptions = params
            .initialization_options
            .clone()
            .and_then(|o| serde_json::from_value(o).ok())
            .unwrap_or_default();
        let settings = Settings::resolve(workspace_root(params), &options);
        let published = Arc::new(Published::new(connection.sender.clone()));
        let worker = Worker::start(published.clone(), settings.debounce)?;
        let rules = Arc::new(Rules::load(&settings));
        let server = Server {
            out: connection.sender.clone(),
            documents: Documents::default(),
            options,
            settings,
            rules,
            published,
            worker,
            snippets,
        };
        server.report_policy_problems();
        Ok(server)
    }

    /// Resolves the settings again and recompiles the policies.
    fn reload(&mut self) {
        self.settings = Settings::resolve(self.settings.root.clone(), &self.options);
        self.rules = Arc::new(Rules::load(&self.settings));
        self.report_policy_problems();
    }

    /// Shows each problem with the user's policies as an error message.
    fn report_policy_problems(&self) {
        for problem in &self.rules.problems {
            let text = format!("tenken: {problem}");
            self.notify::<note::ShowMessage>(lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message: text,
            });
        }
    }

    fn notify<N: note::Notification>(&self, params: N::Params) {
        let _ = self
            .out
            .send(Notification::new(N::METHOD.into(), params).into());
    }

    /// Asks the client to report changes to the configuration, policies and `.tf`/`.tofu` files.
    fn watch_files(&self, params: &InitializeParams) {
        let dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        if !dynamic {
            return;
        }
        let mut globs: Vec<String> = ["**/.tenken.yaml", "**/*.tf", "**/*.tofu"]
            .map(String::from)
            .to_vec();
        globs.extend(
            self.settings
                .policy_dirs
                .iter()
                .map(|d| format!("{}/**/*.{{yaml,yml}}", d.display())),
        );
        let watchers = globs
            .into_iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "tenken-watch".into(),
            method: note::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let request = Request::new(
            "tenken/watch".to_string().into(),
            req::RegisterCapability::METHOD.into(),
            RegistrationParams {
                registrations: vec![registration],
            },
        );
        let _ = self.out.send(request.into());
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.answer(request)));
        let response = match outcome {
            Ok(response) => response,
            Err(_) => {
                Response::new_err(id, ErrorCode::InternalError as i32, "internal error".into())
            }
        };
        let _ = self.out.send(response.into());
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::HoverRequest::METHOD => params(request).map(|p| json(self.hover(p))),
            req::CodeActionRequest::METHOD => params(request).map(|p| json(self.code_actions(p))),
            method => Err((
                ErrorCode::MethodNotFound,
                format!("tenken does not handle {method}"),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn on_notification(&mut self, n: Notification) {
        let method = n.method.clone();
        if panic::catch_unwind(AssertUnwindSafe(|| self.handle(n))).is_err() {
            eprintln!("tenken lsp: internal error while handling {method}");
        }
    }

    fn handle(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                let Ok(p) = params::<DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let d = p.text_document;
                let opened = self.documents.open(d.uri.clone(), d.version, d.text);
                if let Some(opened) = opened.map(|doc| doc.opened) {
                    self.published.track(&d.uri, opened, d.version);
                    self.schedule(&d.uri);
                }
            }
            note::DidChangeTextDocument::METHOD => {
                let Ok(p) = params::<DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let d = p.text_document;
                let changed = self.documents.change(&d.uri, d.version, p.content_changes);
                if let Some(opened) = changed.map(|doc| doc.opened) {
                    self.published.track(&d.uri, opened, d.version);
                    self.schedule(&d.uri);
                }
            }
            note::DidSaveTextDocument::METHOD => {
                if let Ok(p) = params::<DidSaveTextDocumentParams>(n) {
                    self.schedule(&p.text_document.uri);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                let Ok(p) = params::<DidCloseTextDocumentParams>(n) else {
                    return;
                };
                let uri = p.text_document.uri;
                let Some(closed) = self.documents.close(&uri) else {
                    return;
                };
                self.published.forget(&uri);
                self.notify::<note::PublishDiagnostics>(PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
                // The folder's other buffers now see the file as saved on disk.
                if let Some(dir) = closed
                    .path
                    .parent()
                    .filter(|_| closed.kind == Kind::Terraform)
                {
                    let others: Vec<Uri> = self
                        .documents
                        .terraform_in(dir)
                        .map(|(u, _)| u.clone())
                        .collect();
                    others.iter().for_each(|u| self.schedule(u));
                }
            }
            note::DidChangeConfiguration::METHOD => {
                let Ok(p) = params::<lsp_types::DidChangeConfigurationParams>(n) else {
                    return;
                };
                if let Some(options) = ClientOptions::from_settings(p.settings) {
                    self.options = options;
                    self.reload();
                    self.schedule_all();
                }
            }
            note::DidChangeWatchedFiles::METHOD => {
                let Ok(p) = params::<DidChangeWatchedFilesParams>(n) else {
                    return;
                };
                let paths: Vec<PathBuf> =
                    p.changes.iter().filter_map(|c| to_path(&c.uri)).collect();
                if paths.iter().any(|p| self.settings.is_affected_by(p)) {
                    self.reload();
                }
                self.schedule_all();
            }
            _ => {}
        }
    }

    /// Queues a lint of the buffer (with its folder's open buffers, for Terraform).
    fn schedule(&self, uri: &Uri) {
        let Some(doc) = self.documents.get(uri) else {
            return;
        };
        let snapshot = |(uri, d): (&Uri, &documents::Document)| Snapshot {
            uri: uri.clone(),
            opened: d.opened,
            version: d.version,
            path: d.path.clone(),
            text: d.text.clone(),
        };
        let (key, docs) = match (doc.kind, doc.path.parent()) {
            (Kind::Terraform, Some(dir)) => (
                dir.to_path_buf(),
                self.documents.terraform_in(dir).map(snapshot).collect(),
            ),
            _ => (doc.path.clone(), vec![snapshot((uri, doc))]),
        };
        self.worker.schedule(Task {
            key,
            docs,
            rules: self.rules.clone(),
        });
    }

    fn schedule_all(&self) {
        let uris: Vec<Uri> = self.documents.iter().map(|(u, _)| u.clone()).collect();
        uris.iter().for_each(|u| self.schedule(u));
    }

    /// The explanation of the rules whose diagnostics cover the position.
    fn hover(&self, p: HoverParams) -> Option<Hover> {
        let at = p.text_document_position_params;
        let doc = self.documents.get(&at.text_document.uri)?;
        let mut hits: Vec<(lsp_types::Range, String)> = self
            .published
            .diagnostics(&at.text_document.uri)
            .into_iter()
            .filter(|d| d.range.start <= at.position && at.position <= d.range.end)
            .filter_map(|d| match d.code {
                Some(lsp_types::NumberOrString::String(id)) => Some((d.range, id)),
                _ => None,
            })
            .collect();
        hits.dedup_by(|a, b| a.1 == b.1);
        let text: Vec<String> = hits
            .iter()
            .filter_map(|(_, id)| self.rules.find(id))
            .map(|p| hover::markdown(p, doc.kind))
            .collect();
        (!text.is_empty()).then(|| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text.join("\n---\n\n"),
            }),
            range: hits.first().map(|h| h.0),
        })
    }

    /// A suppression for each tenken diagnostic in the requested range.
    fn code_actions(&self, p: CodeActionParams) -> Vec<serde_json::Value> {
        let uri = &p.text_document.uri;
        let Some(doc) = self.documents.get(uri) else {
            return Vec::new();
        };
        let overlaps = |r: &lsp_types::Range| r.start <= p.range.end && p.range.start <= r.end;
        let mut wanted: Vec<lsp_types::Diagnostic> = p
            .context
            .diagnostics
            .into_iter()
            .chain(
                self.published
                    .diagnostics(uri)
                    .into_iter()
                    .filter(|d| overlaps(&d.range)),
            )
            .filter(|d| d.source.as_deref() == Some(diagnostics::SOURCE) && d.code.is_some())
            .collect();
        let key = |d: &lsp_types::Diagnostic| (format!("{:?}", d.code), d.range.start, d.range.end);
        wanted.sort_by_key(key);
        wanted.dedup_by(|a, b| key(a) == key(b));
        let fixes = wanted.iter().filter_map(actions::fix);
        let suppressions =
            (wanted.iter()).filter_map(|d| actions::suppress(doc, uri, d, self.snippets));
        fixes.chain(suppressions).collect()
    }
}

/// The workspace root: the first workspace folder, else the root URI.
fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| &f.uri);
    #[allow(deprecated)]
    let root = folder.or(params.root_uri.as_ref());
    root.and_then(to_path)
}

type Failure = (ErrorCode, String);

fn params<P: DeserializeOwned>(message: impl Into<Message>) -> Result<P, Failure> {
    let value = match message.into() {
        Message::Request(r) => r.params,
        Message::Notification(n) => n.params,
        Message::Response(_) => serde_json::Value::Null,
    };
    serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}
