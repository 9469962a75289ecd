//! Stage 5 (placeholder until the full guard lands).
use crate::load::LoadedRelease;
use crate::render::RenderedMessage;
use serde::Serialize;
use std::fmt;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Subject,
    Headers,
    Text,
    Html,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leak {
    pub detail: String,
    pub part: Part,
    pub line: usize,
}
impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} line {}: {}", self.part, self.line, self.detail)
    }
}
pub struct Embargo {
    cves: Vec<String>,
}
impl Embargo {
    pub fn new(input: &LoadedRelease) -> Embargo {
        Embargo {
            cves: input
                .file
                .security
                .iter()
                .filter(|s| s.get_ref().track.get_ref().is_embargoed())
                .flat_map(|s| s.get_ref().cve_list().iter().map(|c| c.to_string()))
                .collect(),
        }
    }
}
pub fn check_message(embargo: &Embargo, message: &RenderedMessage, _headers: &str) -> Vec<Leak> {
    if message.kind != crate::plan::MessageKind::PreAnnouncement {
        return Vec::new();
    }
    embargo
        .cves
        .iter()
        .filter(|c| message.text.contains(c.as_str()))
        .map(|c| Leak {
            detail: c.clone(),
            part: Part::Text,
            line: 0,
        })
        .collect()
}
