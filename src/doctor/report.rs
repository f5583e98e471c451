//! The checklist as people read it (one line per finding, `ok`/`warn`/`FAIL`, the fix
//! under it, a count at the end; printed with `out::print_checklist`, which on a
//! terminal wraps each under its text) and as scripts read it (`--output json`). Both pass
//! through the diagnosis's redactor last, so no password the checks saw can be shown.

use serde_json::json;

use super::{Diagnosis, Status};
use crate::out::{check_line, Mark, CHECK_INDENT};

/// What the checks were run on, for the heading and the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    pub release: Option<String>,
    pub namespace: Option<String>,
    pub chart_version: String,
    /// `live` or `manifests`.
    pub mode: &'static str,
    /// Where the objects came from (`helm and kubectl`, `` `bundle.yaml` ``).
    pub source: String,
}

fn mark(s: Status) -> Mark {
    match s {
        Status::Ok => Mark::Ok,
        Status::Warn => Mark::Warn,
        Status::Fail => Mark::Fail,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The checklist for a terminal.
pub fn text(subject: &Subject, d: &Diagnosis) -> String {
    let mut out = String::new();
    let head = match (&subject.release, &subject.namespace) {
        (Some(r), Some(ns)) => format!(
            "release `{r}` in namespace `{ns}` (read with {})",
            subject.source
        ),
        (Some(r), None) => format!("release `{r}` in {}", subject.source),
        _ => subject.source.clone(),
    };
    let head = format!("{head}, PrimeHub chart {}", subject.chart_version);
    out.push_str(&format!("phib doctor: {head}\n"));
    for f in &d.findings {
        out.push_str(&check_line(mark(f.status), &f.finding));
        out.push('\n');
        if let Some(fix) = &f.fix {
            out.push_str(&format!("{:CHECK_INDENT$}fix: {fix}\n", ""));
        }
    }
    out.push_str(&format!(
        "\n{}, {}, {} ok\n",
        plural(d.count(Status::Fail), "failed", "failed"),
        plural(d.count(Status::Warn), "warning", "warnings"),
        d.count(Status::Ok)
    ));
    d.redactor.redact(&out)
}

/// The checklist as one JSON document.
pub fn json(subject: &Subject, d: &Diagnosis) -> String {
    let doc = json!({
        "mode": subject.mode,
        "release": subject.release,
        "namespace": subject.namespace,
        "chartVersion": subject.chart_version,
        "checks": d.findings,
        "failed": d.count(Status::Fail),
        "warnings": d.count(Status::Warn),
        "ok": d.count(Status::Ok),
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    d.redactor.redact(&text)
}
